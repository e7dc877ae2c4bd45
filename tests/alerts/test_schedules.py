"""Late, not started and schedule disabled, end to end on the sandbox clock: the sandbox
over loopback HTTP, TDClient, a SQLite store, the poller (its attempt feed teaches
the watcher slots) and the schedule rounds, delivered by SilentAlerts to a
recording notifier."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from bot.alerts import AlertScheduler, Poller
from bot.alerts.schedules import ScheduleWatcher, WatchConfig
from bot.alerts.silent import SilentAlerts
from bot.buttons import ActionId, command_of
from bot.commands.admin import KillJob
from bot.message import Link
from bot.notify import NotifyError
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient
from tests.alerts.conftest import CHANNEL, OTHER_CHANNEL, TEST_CONFIG, sandbox_pacer
from tests.fakes.notifier import Posted, RecordingNotifier

PROJECT, WORKFLOW = "web_analytics", "pageviews_hourly"  # hourly at :10; clock at 09:30
HOURLY = f"{PROJECT}/{WORKFLOW}"
ROUND = 300  # TDBOT_SCHEDULE_SECONDS
GRACE = timedelta(minutes=30)


@dataclass
class Bot:
    """One bot instance on the store: its poller and its schedule watcher."""

    poller: Poller
    watcher: ScheduleWatcher


class Rig:
    def __init__(self, sandbox: Sandbox, td: TDClient, store: Store) -> None:
        self.sandbox, self.td, self.store = sandbox, td, store
        self.notifier = RecordingNotifier()
        self.bot = self.start()

    def start(self) -> Bot:
        """A bot instance (a restart, or a second replica, makes another)."""
        clock = self.sandbox.clock.now
        silent = SilentAlerts(
            store=self.store,
            notifier=self.notifier,
            pacer=sandbox_pacer(self.sandbox),
            console=self.sandbox.url,
            clock=clock,
        )
        watcher = ScheduleWatcher(
            self.td,
            self.store,
            silent,
            config=WatchConfig(schedule_seconds=ROUND, poll_seconds=60, start_grace=GRACE),
            clock=clock,
        )
        poller = Poller(
            self.td,
            self.store,
            self.notifier,
            console=self.sandbox.url,
            config=TEST_CONFIG,
            clock=clock,
            pacer=sandbox_pacer(self.sandbox),
            silent=silent,
            observe=watcher.observe,
        )
        return Bot(poller, watcher)

    async def run(self, minutes: int, bot: Bot | None = None) -> None:
        """Time moves a minute at a time: a poll each minute, a schedule round each five."""
        bot = bot or self.bot
        for _ in range(minutes):
            self.sandbox.advance(60)
            await bot.poller.poll_once()
            if self.sandbox.clock.now().minute % 5 == 0:
                await bot.watcher.round()

    def parents(self, channel: str = CHANNEL) -> list[Posted]:
        """The parents of the schedule kinds. Hanging and queued runs of a workflow with a
        baseline (seeded from TD's history in the first round) are running long too: in
        threads of their own, left to ``running_long_parents``."""
        return [m for m in self.all_parents(channel) if not _running_long(m)]

    def running_long_parents(self, channel: str = CHANNEL) -> list[Posted]:
        return [m for m in self.all_parents(channel) if _running_long(m)]

    def all_parents(self, channel: str = CHANNEL) -> list[Posted]:
        return [m for m in self.notifier.messages if m.channel == channel and m.thread_ts is None]

    def replies(self, parent: Posted) -> list[Posted]:
        return [m for m in self.notifier.messages if m.thread_ts == parent.ts]


def _running_long(message: Posted) -> bool:
    return any(mark.startswith("running_long:") for mark in message.marks)


async def switch(rig: Rig, path: str) -> None:
    """What ``td wf schedule disable|enable`` sends (the client has no such call)."""
    headers = {"Authorization": f"TD1 {rig.sandbox.api_key}"}
    async with httpx.AsyncClient(base_url=rig.sandbox.url, headers=headers) as http:
        response = await http.post(path, json={} if path.endswith("enable") else None)
    response.raise_for_status()


@pytest.fixture
async def rig(sandbox: Sandbox, td: TDClient, store: Store) -> Rig:
    made = Rig(sandbox, td, store)
    await store.add_subscription(CHANNEL, PROJECT, WORKFLOW, created_by="U0TEST")
    await made.bot.poller.poll_once()
    await made.bot.watcher.round()  # the first round reads every schedule
    return made


async def test_not_started_alerted_once_in_its_thread_and_resolved_when_it_starts(
    rig: Rig,
) -> None:
    rig.sandbox.faults.stall_schedules(HOURLY)  # due 10:10; the grace ends 10:40
    await rig.run(65)  # 10:35
    assert rig.parents() == []
    await rig.run(10)  # 10:45
    [parent] = rig.parents()
    assert parent.message.title.startswith("Not started") and WORKFLOW in parent.text
    await rig.run(30)
    assert len(rig.parents()) == 1  # reported again each round, alerted once
    rig.sandbox.faults.clear()  # TD fires the slot it missed
    await rig.run(10)
    assert len(rig.parents()) == 1
    assert parent.edits  # the parent now says it started
    [reply] = rig.replies(parent)
    assert "start" in reply.text.lower()


async def test_a_muted_scope_hears_nothing(rig: Rig) -> None:
    await rig.store.set_mute(
        CHANNEL,
        PROJECT,
        WORKFLOW,
        until=rig.sandbox.clock.now() + timedelta(days=1),
        created_by="U0TEST",
    )
    rig.sandbox.faults.stall_schedules(HOURLY)
    await rig.run(90)
    assert rig.notifier.messages == []


async def test_late_while_running_then_resolved_when_it_succeeds(rig: Rig) -> None:
    await rig.store.set_sla(PROJECT, WORKFLOW, within=timedelta(minutes=40), set_by="U0TEST")
    # Not running long meanwhile (its seeded baseline would say so at 10:22, and the late
    # alert would join that thread: test_baseline_seeds): late opens its own thread.
    await rig.store.set_sla(PROJECT, WORKFLOW, runtime=timedelta(hours=6), set_by="U0TEST")
    rig.sandbox.hang(HOURLY)  # the 10:00 session starts at 10:10 and hangs
    await rig.run(65)  # 10:35: within its 40 minutes
    assert rig.all_parents() == []
    await rig.run(10)  # 10:45: late
    [parent] = rig.parents()
    assert parent.message.title.startswith("Late")
    assert "running" in parent.text.lower()
    await rig.run(20)
    assert len(rig.parents()) == 1
    rig.sandbox.release(HOURLY)
    await rig.run(10)
    assert len(rig.parents()) == 1
    assert parent.edits
    assert rig.replies(parent)


async def test_no_late_alert_for_a_backfill_or_a_manual_run_of_a_past_time(rig: Rig) -> None:
    await rig.store.set_sla(PROJECT, WORKFLOW, within=timedelta(minutes=20), set_by="U0TEST")
    rig.sandbox.hang(HOURLY)
    schedule_id = rig.sandbox.schedule_id(HOURLY)
    backfilled = await rig.td.backfill(schedule_id, "2024-06-03T05:00:00Z", "bf-1", dry_run=False)
    assert backfilled and all(a.status.value == "running" for a in backfilled)
    workflow = await rig.td.attempt(backfilled[0].id)
    assert workflow.workflow.id is not None
    manual = await rig.td.start_attempt(workflow.workflow.id, "2024-06-02T03:30:00+00:00", {})
    assert manual.status.value == "running"
    rig.sandbox.faults.stall_schedules(HOURLY)  # nothing scheduled runs meanwhile
    await rig.run(30)  # 10:00: both hang far past their session time + 20 minutes
    assert rig.parents() == []


async def test_schedule_disabled_alerted_then_resolved_when_enabled(rig: Rig) -> None:
    schedule_id = rig.sandbox.schedule_id(HOURLY)
    await switch(rig, f"/api/schedules/{schedule_id}/disable")
    await rig.run(5)
    [parent] = rig.parents()
    assert "disabled" in parent.text.lower()
    await rig.run(15)
    assert len(rig.parents()) == 1
    await switch(rig, f"/api/schedules/{schedule_id}/enable")
    await rig.run(5)
    assert parent.edits and rig.replies(parent)
    assert len(rig.parents()) == 1


async def test_disabled_while_the_bot_was_down_is_alerted_after_the_restart(rig: Rig) -> None:
    await rig.run(5)
    rig.sandbox.advance(600)  # the bot is down; someone turns the schedule off
    with rig.sandbox.lock:
        schedule = rig.sandbox.world.store.schedules[int(rig.sandbox.schedule_id(HOURLY))]
        rig.sandbox.world.life.schedules.disable(schedule)
    rig.sandbox.advance(3600)
    restarted = rig.start()
    await rig.run(5, restarted)
    [parent] = rig.parents()
    assert "disabled" in parent.text.lower()


async def test_a_schedule_disabled_before_the_subscription_stays_silent(rig: Rig) -> None:
    schedule_id = rig.sandbox.schedule_id("finance_reports/daily_revenue")
    await switch(rig, f"/api/schedules/{schedule_id}/disable")
    rig.sandbox.advance(60)
    await rig.store.add_subscription(OTHER_CHANNEL, "finance_reports", created_by="U0TEST")
    await rig.run(15)
    assert rig.parents(OTHER_CHANNEL) == []


async def test_a_restart_mid_delivery_neither_loses_nor_repeats(rig: Rig) -> None:
    rig.sandbox.faults.stall_schedules(HOURLY)
    await rig.run(70)  # 10:40
    rig.notifier.fail_next(NotifyError("timeout", error="transport"))
    await rig.run(5)  # 10:45: found and claimed; the post fails
    assert rig.parents() == []
    second = rig.start()  # the first instance is gone; its claim's lease runs out
    await rig.run(20, second)
    await rig.run(20, rig.start())
    [parent] = rig.parents()
    assert parent.message.title.startswith("Not started")


async def test_a_session_queued_at_the_attempt_limit_has_not_started(rig: Rig) -> None:
    rig.sandbox.set_attempt_limit(0)  # TD queues what its scheduler starts
    await rig.run(75)  # 10:45: the 10:10 run waited in the queue past the grace
    [parent] = rig.parents()
    assert parent.message.title.startswith("Not started")
    rig.sandbox.set_attempt_limit(None)
    await rig.run(10)
    assert parent.edits and rig.replies(parent)
    assert len(rig.parents()) == 1


class NoPoll:
    async def tick(self) -> None:
        return None


async def test_the_scheduled_job_runs_the_rounds(rig: Rig) -> None:
    rig.sandbox.faults.stall_schedules(HOURLY)
    rig.sandbox.advance(75 * 60)  # 10:45: the 10:10 run is past its grace
    done = asyncio.Event()

    async def one_round() -> None:
        # The scheduler's job, once: the test's assertions read what one round did.
        if not done.is_set():
            await rig.bot.watcher()
            done.set()

    scheduler = AlertScheduler(NoPoll(), interval=3600)
    scheduler.every(0.05, one_round, job_id="tdbot-schedules")
    scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), 20)
    finally:
        await scheduler.stop()
    [parent] = rig.parents()
    assert parent.message.title.startswith("Not started")


async def _late_run(rig: Rig) -> Posted:
    """The 10:00 session hangs on its td> task; late at 10:45 (within 40 minutes)."""
    await rig.store.set_sla(PROJECT, WORKFLOW, within=timedelta(minutes=40), set_by="U0TEST")
    # Its seeded baseline would call the hang running long first, and late join that thread.
    await rig.store.set_sla(PROJECT, WORKFLOW, runtime=timedelta(hours=6), set_by="U0TEST")
    rig.sandbox.hang(HOURLY)
    await rig.run(75)
    [parent] = rig.parents()
    return parent


async def test_a_late_run_still_running_names_its_task_and_job_read_once(rig: Rig) -> None:
    parent = await _late_run(rig)
    session = next(m for m in parent.marks if m.startswith("late:")).split(":", 1)[1]
    [attempt] = await rig.td.session_attempts(session)
    [running] = [t for t in await rig.td.tasks(attempt.id) if t.state.value == "running"]
    job = str(running.state_params["job"]["jobId"])
    shown = str(parent.blocks)
    assert "it is still running" in shown
    assert f"Running now:* `{running.full_name}` `td&gt;` since" in shown
    assert f"TD job `{job}`" in shown
    assert f"/td kill job {job}" in shown and f"/td kill {attempt.id}" in shown
    [kill] = [b for b in parent.message.buttons if b.action_id == ActionId.KILL]
    assert command_of(kill.action_id, kill.value) == KillJob(job)  # admins only, as ever
    # The tasks were read once, when the alert was claimed (the test's own read aside).
    tasks_path = f"/api/attempts/{attempt.id}/tasks"
    assert rig.sandbox.requests.count(tasks_path) == 2
    await rig.run(20)
    assert rig.sandbox.requests.count(tasks_path) == 2 and len(rig.parents()) == 1

    rig.sandbox.release(HOURLY)
    await rig.run(10)
    ended = str(parent.current_blocks)
    assert "Was running:" in ended and "Running now" not in ended and "/td kill" not in ended
    assert parent.current.buttons == ()


async def test_a_late_alert_goes_out_without_its_task_when_td_fails_to_list_them(
    rig: Rig,
) -> None:
    await rig.store.set_sla(PROJECT, WORKFLOW, within=timedelta(minutes=40), set_by="U0TEST")
    # Its seeded baseline would call the hang running long first, and late join that thread.
    await rig.store.set_sla(PROJECT, WORKFLOW, runtime=timedelta(hours=6), set_by="U0TEST")
    rig.sandbox.hang(HOURLY)
    await rig.run(74)  # 10:44: the next round calls it late
    attempt_id = rig.sandbox.last_attempt_id(HOURLY)
    tasks_path = f"/api/attempts/{attempt_id}/tasks"
    rig.sandbox.faults.fail(4, status=503, path_prefix=tasks_path)  # every try of one read
    await rig.run(1)
    assert rig.sandbox.requests.count(tasks_path) == 4
    [parent] = rig.parents()
    shown = str(parent.blocks)
    assert "it is still running" in shown and "Running now" not in shown
    assert not [b for b in parent.message.buttons if b.action_id == ActionId.KILL]


async def test_alerts_about_no_run_link_to_the_workflow_page(rig: Rig) -> None:
    [schedule] = [s for s in await rig.td.schedules_page() if s.workflow.name == WORKFLOW]
    url = f"{rig.sandbox.url}/app/workflows/{schedule.workflow.id}/info"
    rig.sandbox.faults.stall_schedules(HOURLY)
    await rig.run(75)  # 10:45: not started
    await switch(rig, f"/api/schedules/{schedule.id}/disable")
    await rig.run(5)
    stalled, disabled = rig.parents()
    assert stalled.message.title.startswith("Not started")
    assert disabled.message.title.startswith("Schedule disabled")
    for parent in (stalled, disabled):
        assert parent.message.links == (Link("Open workflow in TD console", url),)
