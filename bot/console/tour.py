"""The scripted tour: what ``tdbot demo`` plays when stdin is not a terminal.

Every answer is computed live by the bot's own code against the sandbox; the
script only chooses what to type and how far to move the sandbox's clock. The
alert and its recovery are whatever the sandbox's life brings first: the tour
fast-forwards until a run fails, then until its session succeeds (retrying it
as the Retry button would if nothing retries it by itself). Then a silent
failure: the sandbox's scheduler stops firing one hourly workflow, and the tour
fast-forwards until the `not started` alert, then lets TD fire again until the
alert is resolved in its thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.alerts.findings import SilentKind
from bot.alerts.plan import ThreadStatus
from bot.commands import ListSessions, command_text
from bot.console.examples import Examples, find_examples
from bot.console.runtime import CHANNEL, DemoRuntime
from bot.store import ThreadRef

POLL_SECONDS = 300.0  # sandbox seconds between the tour's alert polls
FAILURE_WAIT = timedelta(days=3)  # of sandbox time, before the tour gives up
RECOVERY_WAIT = timedelta(hours=3)
RUNS_LONG = ("cdp_audiences", "build_segments")  # a plain workflow of several steps
RUN_LIMIT = "1m"  # the tour's `sla runtime`: a run of it passes that before the next poll
RUN_TRIES = 5  # runs started before the tour gives up on one outliving a poll
RUN_WAIT = timedelta(hours=2)
SELF_RETRY_GRACE = timedelta(minutes=30)  # then the tour retries the failed run itself
NOT_STARTED_WAIT = timedelta(hours=4)
STALLED = "web_analytics/pageviews_hourly"  # hourly: its next run is never far
SESSIONS_SHOWN = 8
REPORT_DAYS = 3  # the sandbox keeps 4 days of history
# Answers are cut to this many lines in the tour (the console shows them whole).
HELP_LINES = 14
LONG_ANSWER_LINES = 40


class TourError(RuntimeError):
    """The sandbox did not do what the tour needs (no failure, no recovery)."""


async def play_tour(demo: DemoRuntime) -> int:
    tour = _Tour(demo)
    examples = await find_examples(demo)
    await tour.lookups(examples)
    thread = await tour.alert()
    await tour.home()
    await tour.recovery(thread)
    await tour.history(examples, thread)
    await tour.report()
    await tour.running_long()
    await tour.not_started()
    demo.screen.print(["", tour.heading("that was the tour")])
    demo.screen.note(f"Run tdbot demo in a terminal to type commands yourself. Files: {demo.files}")
    return 0


def _silent(marks: Sequence[str]) -> bool:
    """Marks of a silent-failure alert (``<kind>:<subject>``), not of a failure."""
    return any(m.startswith(f"{kind.value}:") for kind in SilentKind for m in marks)


def _not_started(marks: Sequence[str]) -> bool:
    return any(m.startswith(f"{SilentKind.NOT_STARTED.value}:") for m in marks)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class _Tour:
    def __init__(self, demo: DemoRuntime) -> None:
        self.demo = demo
        self.screen = demo.screen
        self.step = 0

    def heading(self, title: str) -> str:
        return self.screen.style.bold(f"── {title} ──")

    def begin(self, title: str) -> None:
        self.step += 1
        self.screen.print(["", self.heading(f"{self.step}. {title}")])

    async def type(self, line: str, *, shown_lines: int | None = None) -> None:
        self.screen.print([f"› {line}"])
        await self.demo.ask(line, shown_lines=shown_lines)

    async def lookups(self, examples: Examples) -> None:
        self.begin("the commands")
        await self.type("/td help", shown_lines=HELP_LINES)
        self.begin("look up a TD job")
        await self.type(f"/td job {examples.job_id}", shown_lines=LONG_ANSWER_LINES)
        self.begin("a failed workflow attempt")
        await self.type(f"/td attempt {examples.failed_attempt_id}")
        self.begin("diagnose a failed attempt")
        await self.type(f"/td diagnose {examples.failed_attempt_id}", shown_lines=LONG_ANSWER_LINES)

    async def alert(self) -> ThreadRef:
        demo = self.demo
        self.begin("subscribe this channel, and wait for a run to fail")
        await self.type("/td subscribe *")
        start = demo.now()
        self.screen.note(
            f"⏩ fast-forward from {_when(start)}: the sandbox clock moves "
            f"{POLL_SECONDS / 60:g} minutes at a time and the alert poller runs after each step"
        )
        while (alert := demo.chat.latest_parent(CHANNEL)) is None or _silent(alert.marks):
            if demo.now() - start > FAILURE_WAIT:
                raise TourError(f"no run failed in {FAILURE_WAIT} of sandbox time")
            await demo.advance(POLL_SECONDS)
        thread = await demo.store.thread_by_ts(CHANNEL, alert.ts)
        if thread is None:
            raise TourError(f"the alert {alert.ts} has no thread in the store")
        self.screen.note(f"sandbox time {_when(demo.now())}: the poller posted the alert above")
        return thread

    async def home(self) -> None:
        self.begin("the Home tab: what is failing now, who is on it, the bot's health")
        self.screen.print(["› home"])
        await self.demo.home()

    async def recovery(self, thread: ThreadRef) -> None:
        demo = self.demo
        self.begin("the failed run recovers: a reply in the thread, the alert edited")
        failed = await demo.td.attempt(thread.attempt_id)
        start = demo.now()
        retried = False
        self.screen.note(
            f"⏩ fast-forward: waiting for a retry of {thread.project}/{thread.workflow} "
            f"session {thread.session_id} to succeed"
        )
        while not await self._recovered(thread):
            waited = demo.now() - start
            if waited > RECOVERY_WAIT:
                raise TourError(f"session {thread.session_id} did not recover in {RECOVERY_WAIT}")
            if not retried and waited >= SELF_RETRY_GRACE:
                retried = await self._retry_if_nobody_did(thread, failed.index)
            await demo.advance(POLL_SECONDS)
        self.screen.note(f"sandbox time {_when(demo.now())}: the retry succeeded")

    async def _recovered(self, thread: ThreadRef) -> bool:
        now = await self.demo.store.get_thread(CHANNEL, thread.session_id)
        return now is not None and not ThreadStatus.of(now).failing

    async def _retry_if_nobody_did(self, thread: ThreadRef, failed_index: int) -> bool:
        td = self.demo.td
        attempts = await td.session_attempts(thread.session_id)
        latest = max(attempts, key=lambda a: a.index)
        if latest.index > failed_index:
            return False  # a retry exists already (the sandbox's own): wait for it
        if latest.workflow.id is None:
            raise TourError(f"attempt {latest.id} does not name its workflow id")
        self.screen.note(
            f"nobody retried attempt {latest.id}: retrying its failed tasks as the Retry "
            "button does (PUT /api/attempts, resuming the failed tasks)"
        )
        await td.start_attempt(
            latest.workflow.id,
            latest.session_time_text,
            latest.params,
            retry_attempt_name=f"tdbot-demo-retry-{latest.id}",
            resume_failed_attempt_id=latest.id,
        )
        return True

    async def not_started(self) -> None:
        """A silent failure: TD's scheduler stops firing one workflow (a sandbox fault)."""
        demo = self.demo
        self.begin("a schedule that does not start: alerted, then resolved when it runs")
        demo.sandbox.faults.stall_schedules(STALLED)
        start = demo.now()
        self.screen.note(
            f"⏩ TD's scheduler stops firing {STALLED} at {_when(start)} (a sandbox fault); "
            "the schedule watcher reads the schedules every round"
        )
        while (alert := demo.chat.latest_parent(CHANNEL)) is None or not _not_started(alert.marks):
            if demo.now() - start > NOT_STARTED_WAIT:
                raise TourError(f"no not-started alert in {NOT_STARTED_WAIT} of sandbox time")
            await demo.advance(POLL_SECONDS)
        self.screen.note(f"sandbox time {_when(demo.now())}: TD's scheduler fires again")
        demo.sandbox.faults.clear()
        thread = alert.ts
        while not any(m.thread_ts == thread for m in demo.chat.messages.values()):
            if demo.now() - start > NOT_STARTED_WAIT:
                raise TourError(f"the not-started alert did not resolve in {NOT_STARTED_WAIT}")
            await demo.advance(POLL_SECONDS)

    async def history(self, examples: Examples, thread: ThreadRef) -> None:
        self.begin("when did each task of the failed attempt run")
        await self.type(f"/td timeline {examples.failed_attempt_id}")
        self.begin("the history of the workflow that failed and recovered")
        sessions = ListSessions(thread.project, thread.workflow, limit=SESSIONS_SHOWN)
        await self.type(f"/td {command_text(sessions)}")

    async def report(self) -> None:
        self.begin("a reliability report of this channel's subscriptions (chart and table saved)")
        await self.type(f"/td report {REPORT_DAYS}d", shown_lines=LONG_ANSWER_LINES)

    async def running_long(self) -> None:
        """Self-contained: a limit on one workflow, a run of it started by hand, its
        running-long alert (the running task, the kill hint), and its end."""
        demo = self.demo
        project, workflow = RUNS_LONG
        scope = f"{project}/{workflow}"
        self.begin("a run that runs long: a limit, the alert, and its end")
        await self.type(f"/td sla {scope} runtime {RUN_LIMIT}")
        for _ in range(RUN_TRIES):
            session = await self._start_run(project, workflow)
            self.screen.note(
                f"started a run of {scope} by hand (PUT /api/attempts); "
                "⏩ fast-forward until it passes the limit"
            )
            start = demo.now()
            alerted = False
            while demo.now() - start < RUN_WAIT:
                await demo.advance(POLL_SECONDS)
                thread = await demo.store.get_thread(CHANNEL, session)
                if thread is None:
                    continue
                if thread.status == "running_long":
                    if not alerted:
                        self.screen.note("⏩ fast-forward until the run ends: the alert is edited")
                    alerted = True
                    continue
                self.screen.note(f"sandbox time {_when(demo.now())}: the run ended")
                await self.type("/td slas")
                return
            # It ended between two polls, under the limit: nothing to say; try again.
        raise TourError(f"no run of {scope} ran long in {RUN_TRIES} tries")

    async def _start_run(self, project: str, workflow: str) -> str:
        td = self.demo.td
        found = await td.project_by_name(project)
        flow = await td.workflow_by_name(found.id, workflow) if found else None
        if flow is None:
            raise TourError(f"the sandbox has no workflow {project}/{workflow}")
        when = self.demo.now().replace(microsecond=0).isoformat()
        return (await td.start_attempt(flow.id, when, {})).session_id
