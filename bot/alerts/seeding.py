"""A new subscription's running-long baseline, seeded from TD's history.

The poll learns a workflow's baseline from the good runs it sees finish, so a
daily workflow just subscribed would stay "learning" for five days. TD already
knows its last runs: one ``GET /api/attempts?project=&workflow=&include_retried=
true`` page (100, newest first) gives them, with each attempt's ``index``, so the
good runs are picked by the poll's own definition (``bot.silent.baseline.good_run``:
a first attempt that succeeded). The project's sessions listing would give only each
session's last attempt, with no index to tell a first attempt from a retry.

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
from bot.store import Store, Subscription, channels_covering, specificity
from bot.td import TDClient
from bot.td.errors import NotFound, TDError

log = logging.getLogger(__name__)

Workflow = tuple[str, str]  # (project, workflow)

_RUNNING = 3  # above any subscription's specificity: running now goes first


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
        """Read and seed at most ``reads`` workflows, the most pressing first."""
        if not subscriptions:
            return SeedReport()
        running = {(w.project, w.workflow) for w in await self._store.watched_attempts()}
        counts = await self._store.good_run_counts()
        done = await self._store.seeded_baselines()
        done.update(w for w, runs in counts.items() if runs >= MIN_RUNS)
        due = pending(subscriptions, known, running, done=done)
        read = seeded = 0
        for project, workflow in due[:reads]:
            read += 1
            try:
                page = await self._td.attempt_history_page(project, workflow)
            except NotFound:
                page = []  # no such project at TD (any more): nothing to learn from
            except TDError as exc:  # TD in trouble: the next round tries again
                log.warning("baseline seed of %s/%s: TD failed: %s", project, workflow, exc)
                break
            runs = [run for a in page if (run := good_run(a)) is not None]
            if await self._store.seed_baseline(project, workflow, runs, now=now):
                seeded += 1
                log.info("baseline of %s/%s seeded: %d good runs", project, workflow, len(runs))
        return SeedReport(read=read, seeded=seeded)


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
