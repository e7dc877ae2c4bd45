"""Running long: found in the alert poll from what it already knows.

The poll keeps the running attempts of subscribed workflows in the store
(``watched_attempts``, with each attempt's own ``createdAt``), so comparing
them with their limits costs no TD request: a quiet poll stays at its one
listing page. The limit is the scope's ``sla runtime``, or without one the
workflow's learned baseline (``bot.silent.baseline``: from at least 5 good runs,
recorded here from the successes the poll sees finish). Only when an attempt
first crosses its limit, for a channel that has no alert of it yet and is not
muted, is TD asked: its tasks (and the attempt, unless the poll read it),
once, to name the running task and the TD job it polls. A run still queued at TD's
attempt limit is not running long; one that waited in that queue counts from its first
task's start (learned from that task list, then kept), not from its ``createdAt``.
A watched attempt that
finishes yields a ``Resolved`` (``SilentAlerts`` posts it only where its alert
went out), and so does one TD answers 404 for (deleted: ``ResolvedHow.GONE``).

What the poll itself pays for its watched attempts is the feed's (``feed.py``):
one listing page while they are among the newest 100 attempts, then more pages
or one GET each, whichever is fewer, for those below it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.feed import Feed
from bot.alerts.plan import Subscribers
from bot.alerts.silent import claim_key
from bot.silent.baseline import good_run, learned, limit_of
from bot.silent.findings import (
    Baseline,
    Finding,
    LimitSource,
    Resolved,
    ResolvedHow,
    RunningLong,
    RunningTask,
    SilentKind,
    alert_key,
)
from bot.store import SlaLimits, Store, WatchedAttempt
from bot.store.slas import limits_of
from bot.td import TDClient
from bot.td.errors import NotFound, TDError
from bot.td.models import Attempt, AttemptStatus, Task, TaskState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Running:
    attempt_id: str
    project: str
    workflow: str
    started: datetime | None  # the attempt's createdAt (or when the poll first saw it)


class RunningLongWatch:
    def __init__(self, td: TDClient, store: Store) -> None:
        self._td = td
        self._store = store
        self._claimed: set[tuple[str, str]] = set()  # (channel, attempt id) alerted, running
        # When a run's first task started, for runs that waited in TD's queue after their
        # createdAt: learned from the task list read at the first crossing, kept while it runs.
        self._began: dict[str, datetime] = {}

    async def check(
        self,
        feed: Feed,
        watched: Sequence[WatchedAttempt],
        subscribers: Subscribers,
        now: datetime,
    ) -> tuple[list[Finding], list[Resolved]]:
        """This poll's running-long findings and the ends of watched attempts."""
        await self._learn(feed.finished, subscribers)
        ended = set(feed.done_watched)
        # As TD listed them this poll: only a run read neither way costs a GET at its crossing.
        known = {a.id: a for a in (*feed.still_running, *feed.started)}
        new = {a.id for a in feed.started}
        running = [
            _Running(w.attempt_id, w.project, w.workflow, w.created_at or w.since)
            for w in watched
            if w.attempt_id not in ended and w.attempt_id not in new
        ]
        running += [
            _Running(a.id, a.project.name, a.workflow.name, a.created_at) for a in feed.started
        ]
        still = {r.attempt_id for r in running}
        self._claimed = {(c, a) for c, a in self._claimed if a in still}
        self._began = {a: at for a, at in self._began.items() if a in still}
        findings: list[Finding] = []
        if running:
            # Two store reads per poll, however many runs: every limit, and the good runs
            # of the workflows running now.
            slas = await self._store.all_slas()
            runs = await self._store.good_runs_of({(r.project, r.workflow) for r in running})
            for run in running:
                began = self._began.get(run.attempt_id, run.started)
                if began is None:
                    continue
                limits = limits_of(slas, run.project, run.workflow)
                baseline = learned(runs.get((run.project, run.workflow), []))
                found = await self._crossed(
                    run, now - began, limits, baseline, known, subscribers, now
                )
                if found is not None:
                    findings.append(found)
        watched_ids = {w.attempt_id for w in watched}
        resolved = [
            Resolved(
                kind=SilentKind.RUNNING_LONG,
                subject=a.session_id,
                project=a.project.name,
                workflow=a.workflow.name,
                how=_how(a),
                at=a.finished_at or now,
                attempt=a,
            )
            for a in feed.finished
            if a.id in watched_ids
        ]
        # Deleted at TD: it will never finish, so its alert ends now.
        gone = set(feed.gone)
        resolved += [
            Resolved(
                kind=SilentKind.RUNNING_LONG,
                subject=w.session_id,
                project=w.project,
                workflow=w.workflow,
                how=ResolvedHow.GONE,
                at=now,
                attempt_id=w.attempt_id,
            )
            for w in watched
            if w.attempt_id in gone
        ]
        return findings, resolved

    async def _learn(self, finished: Sequence[Attempt], subscribers: Subscribers) -> None:
        """Remember the good runs of subscribed workflows (``good_run``)."""
        runs = [
            run for a in finished if (run := good_run(a)) is not None and await subscribers.of(a)
        ]
        await self._store.record_good_runs(runs)

    async def _crossed(
        self,
        run: _Running,
        running_for: timedelta,
        limits: SlaLimits,
        baseline: Baseline | None,
        known: dict[str, Attempt],
        subscribers: Subscribers,
        now: datetime,
    ) -> Finding | None:
        attempt_id, project, workflow = run.attempt_id, run.project, run.workflow
        if limits.runtime is not None:
            limit, source = limits.runtime, LimitSource.SLA
        elif baseline is not None:
            limit, source = limit_of(baseline), LimitSource.BASELINE
        else:
            return None  # nothing to compare with yet
        if running_for <= limit:
            return None
        if not await self._needs_alert(attempt_id, project, workflow, subscribers, now):
            return None
        try:
            attempt = known.get(attempt_id) or await self._td.attempt(attempt_id)
            if attempt.status.done:
                return None  # ended since the listing: the next poll sees it finish
            if attempt.status is AttemptStatus.QUEUED:
                return None  # waiting for TD's attempt limit: not running (late says so)
            tasks = await self._td.tasks(attempt.id)
        except NotFound:
            return None
        except TDError as exc:  # tried again on the next poll
            log.warning("running-long check of attempt %s: TD failed: %s", attempt_id, exc)
            return None
        began = first_start(tasks)
        if began is not None and run.started is not None and began > run.started:
            # It waited in TD's queue first: its run began later than its createdAt.
            self._began[attempt_id] = began
            running_for = now - began
            if running_for <= limit:
                return None
        return Finding(
            project=project,
            workflow=workflow,
            subject=attempt.session_id,
            session_time=attempt.session_time,
            attempt=attempt,
            facts=RunningLong(
                running_for=running_for,
                limit=limit,
                source=source,
                sla_scope=limits.runtime_scope if source is LimitSource.SLA else None,
                baseline=baseline,
                tasks=running_tasks(tasks),
            ),
        )

    async def _needs_alert(
        self, attempt_id: str, project: str, workflow: str, subscribers: Subscribers, now: datetime
    ) -> bool:
        """Some subscribed channel, not muted, has no alert of it yet (else TD is not asked).

        A claim, once taken, stays: it is remembered while its run runs, so a run
        alerted long ago costs no store read on later polls.
        """
        key = claim_key(alert_key(SilentKind.RUNNING_LONG, "", attempt_id))
        for sub in await subscribers.of_workflow(project, workflow):
            channel = sub.channel_id
            if (channel, attempt_id) in self._claimed:
                continue
            if await self._store.claim_of(channel, key) is not None:
                self._claimed.add((channel, attempt_id))
                continue
            if not await self._store.is_muted(channel, project, workflow, now):
                return True
        return False


def first_start(tasks: Sequence[Task]) -> datetime | None:
    """When the attempt's first task started (TD shows no start for groups)."""
    return min((t.started_at for t in tasks if t.started_at is not None), default=None)


def running_tasks(tasks: Sequence[Task]) -> tuple[RunningTask, ...]:
    """The tasks running now (not groups), each with the TD job it polls, if any."""
    return tuple(
        RunningTask(t.full_name, t.operator, t.started_at, _job_id(t))
        for t in tasks
        if t.state is TaskState.RUNNING and not t.is_group
    )


def _job_id(task: Task) -> str | None:
    # A td>-style task keeps the job it polls in stateParams.job.jobId (td-api.md 3.9).
    job = task.state_params.get("job")
    value = job.get("jobId") if isinstance(job, dict) else None
    return str(value) if isinstance(value, str | int) and str(value) else None


def _how(attempt: Attempt) -> ResolvedHow:
    return ResolvedHow.SUCCEEDED if attempt.status is AttemptStatus.SUCCESS else ResolvedHow.FAILED
