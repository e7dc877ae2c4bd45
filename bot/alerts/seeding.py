"""A new subscription's running-long baseline, seeded from TD's history.

The poll learns a workflow's baseline from the good runs it sees finish, so a
daily workflow just subscribed would stay "learning" for five days. TD already
knows its last runs: one ``GET /api/attempts?project=&workflow=&include_retried=
true`` page (100, newest first) gives them, with each attempt's ``index``, so the
good runs are picked by the poll's own definition (``bot.silent.baseline.good_run``:
a first attempt that succeeded). The project's sessions listing would give only each
session's last attempt, with no index to tell a first attempt from a retry.

Where three or more workflows of one project are due, the project's history is
read instead (the same listing without ``workflow``, page by page, at most
``PROJECT_PAGES``): for daily workflows one page holds about five runs of twenty
workflows. A workflow found there with fewer than ``MIN_RUNS`` good runs while the
history went on is read on its own later; the project is marked read too.

Each workflow is read once: ``seed`` marks it in the store (``baseline_seeds``)
with the runs, in one transaction, so no replica or restart reads it again. Only
workflows of a subscription, with fewer than ``MIN_RUNS`` good runs kept and not
seeded yet, are read, a few per schedule round (the watcher's request budget,
``WatchConfig.seeds_per_round``): an "every project" subscription of 2,000
workflows is spread over hours, never read in a burst. The most pressing first:
a workflow running now, then workflows subscribed by name, then those of a
project subscription, then those of ``*``. Which workflows exist is what the bot
knows without asking: subscriptions by name, the schedules the watcher reads, the
attempts the poll watches (a workflow with no schedule is seeded when it is
first seen running, while that run can still be alerted as running long).
"""

from __future__ import annotations

import logging
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.silent.baseline import MIN_RUNS, good_run
from bot.store import GoodRun, Store, Subscription, channels_covering, specificity
from bot.store.baselines import KEEP
from bot.td import AttemptSummary, TDClient
from bot.td.errors import NotFound, TDError

log = logging.getLogger(__name__)

Workflow = tuple[str, str]  # (project, workflow)

_RUNNING = 3  # above any subscription's specificity: running now goes first
PROJECT_READ_AT = 3  # due workflows of one project: read the project's history instead
PROJECT_PAGES = 5  # at most, per project read
PAGE = 100  # attempts per history page: the Workflow API's maximum (td-api.md 3.6)
_PROJECT = ""  # the mark of a project read (no workflow is named "")


@dataclass(frozen=True)
class SeedReport:
    read: int = 0  # TD requests sent
    seeded: int = 0  # workflows marked seeded


class BaselineSeeder:
    def __init__(self, td: TDClient, store: Store) -> None:
        self._td = td
        self._store = store

    async def seed(
        self,
        subscriptions: Sequence[Subscription],
        known: Iterable[Workflow],
        *,
        reads: int,
        now: datetime,
    ) -> SeedReport:
        """Seed the most pressing workflows with at most ``reads`` TD requests."""
        if not subscriptions:
            return SeedReport()
        running = {(w.project, w.workflow) for w in await self._store.watched_attempts()}
        counts = await self._store.good_run_counts()
        done = await self._store.seeded_baselines()
        projects_read = {p for p, w in done if w == _PROJECT}
        done.update(w for w, runs in counts.items() if runs >= MIN_RUNS)
        due = pending(subscriptions, known, running, done=done)
        budget = _Reads(reads)
        seeded = 0
        handled: set[Workflow] = set()
        for project, workflow in due:
            if budget.left <= 0:
                break
            if (project, workflow) in handled:
                continue
            siblings = [w for w in due if w[0] == project and w not in handled]
            try:
                if len(siblings) >= PROJECT_READ_AT and project not in projects_read:
                    seeded += await self._project(project, [w for _, w in siblings], budget, now)
                    projects_read.add(project)
                    handled.update(siblings)
                else:
                    seeded += await self._workflow(project, workflow, budget, now)
                    handled.add((project, workflow))
            except TDError as exc:  # TD in trouble: the next round tries again
                log.warning("baseline seed of %s/%s: TD failed: %s", project, workflow, exc)
                break
        return SeedReport(read=reads - budget.left, seeded=seeded)

    async def _workflow(self, project: str, workflow: str, budget: _Reads, now: datetime) -> int:
        budget.left -= 1
        page = await self._history(project, workflow, None)
        runs = [run for a in page if (run := good_run(a)) is not None]
        return await self._mark(project, workflow, runs, now)

    async def _project(
        self, project: str, workflows: Sequence[str], budget: _Reads, now: datetime
    ) -> int:
        """Several workflows of one project from the project's history, page by page
        (newest first) until each has ``KEEP`` good runs, the history ends, or the budget
        or ``PROJECT_PAGES`` runs out. A workflow found with fewer than ``MIN_RUNS`` while
        the history went on is left to a read of its own; the project is not read again."""
        runs: dict[str, list[GoodRun]] = {w: [] for w in workflows}
        ended, last_id = False, None
        for _ in range(PROJECT_PAGES):
            if budget.left <= 0:
                break
            budget.left -= 1
            page = await self._history(project, None, last_id)
            for attempt in page:
                if attempt.workflow.name in runs and (run := good_run(attempt)) is not None:
                    runs[attempt.workflow.name].append(run)
            if len(page) < PAGE:
                ended = True
                break
            if all(len(found) >= KEEP for found in runs.values()):
                break
            last_id = min(a.id for a in page)
        seeded = 0
        for workflow, found in runs.items():
            if ended or len(found) >= MIN_RUNS:
                seeded += await self._mark(project, workflow, found, now)
        await self._store.seed_baseline(project, _PROJECT, [], now=now)
        return seeded

    async def _history(
        self, project: str, workflow: str | None, last_id: int | None
    ) -> list[AttemptSummary]:
        try:
            return await self._td.attempt_history_page(
                project, workflow, last_id=last_id, page_size=PAGE
            )
        except NotFound:
            return []  # no such project at TD (any more): nothing to learn from

    async def _mark(self, project: str, workflow: str, runs: list[GoodRun], now: datetime) -> int:
        if not await self._store.seed_baseline(project, workflow, runs[:KEEP], now=now):
            return 0
        log.info("baseline of %s/%s seeded: %d good runs", project, workflow, len(runs))
        return 1


@dataclass
class _Reads:
    left: int


def pending(
    subscriptions: Sequence[Subscription],
    known: Iterable[Workflow],
    running: Iterable[Workflow],
    *,
    done: Container[Workflow],
) -> list[Workflow]:
    """Every subscribed workflow the bot knows of and not ``done`` (seeded, or learned
    enough), the most pressing first: running now, then by how narrowly it is
    subscribed (by name, its project, ``*``)."""
    named = {(s.project, s.workflow) for s in subscriptions if s.workflow is not None}
    urgency: dict[Workflow, int] = {}
    for workflow in (*named, *known, *running):
        if workflow in done or workflow in urgency:
            continue
        covering = channels_covering(subscriptions, *workflow)
        if covering:
            urgency[workflow] = max(specificity(s) for s in covering)
    for workflow in running:
        if workflow in urgency:
            urgency[workflow] = _RUNNING
    return sorted(urgency, key=lambda w: (-urgency[w], w))
