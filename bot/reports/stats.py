"""The numbers of a report, computed from cached attempts (pure; no TD, no store).

Definitions (README, "Reports"):

- a run is a session, counted in the period its first attempt was created in,
  with the outcome of its last attempt (highest id);
- failures: runs whose last attempt ended in ``error`` or ``killed``; the
  success rate is successes over finished runs (running ones are left out);
- recovered: runs with a failed attempt whose last attempt succeeded; time to
  recover is from the end of the run's first failed attempt to the end of the
  attempt that succeeded;
- duration of a successful run: its succeeding attempt, created to finished;
  p95 is the nearest-rank 95th percentile (the ceil(0.95 n)-th smallest).

Attempts arrive ordered by (project, workflow, session, attempt id) so one
workflow is in memory at a time: a report over thousands of workflows keeps
only their summaries.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from bot.reports.model import (
    DayCounts,
    Period,
    RunOutcome,
    Totals,
    WorkflowStats,
)
from bot.store.report_cache import AttemptRow

_OUTCOMES = {"success": RunOutcome.SUCCESS, "error": RunOutcome.FAILED, "killed": RunOutcome.KILLED}


@dataclass(frozen=True, slots=True)
class Run:
    session_id: int
    started: int  # the first attempt's creation, epoch seconds
    outcome: RunOutcome
    failed_once: bool
    recovery: float | None  # seconds, when it failed and then succeeded
    duration: float | None  # seconds of the succeeding attempt, when it succeeded


def run_of(attempts: Sequence[AttemptRow]) -> Run | None:
    """The session of these attempts (ascending id); None when its first attempt is missing."""
    first = attempts[0]
    if first.index != 1:
        return None  # began before what was read: not a run of the period
    last = attempts[-1]
    outcome = _OUTCOMES.get(last.status, RunOutcome.RUNNING)
    failures = [a for a in attempts[:-1] if a.failed]
    duration = recovery = None
    if outcome is RunOutcome.SUCCESS and last.finished_at is not None:
        duration = float(last.finished_at - last.created_at)
        failed_end = failures[0].finished_at if failures else None
        if failed_end is not None:
            recovery = float(max(0, last.finished_at - failed_end))
    return Run(first.session_id, first.created_at, outcome, bool(failures), recovery, duration)


def p95(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def runs_of(attempts: Iterable[AttemptRow]) -> Iterable[Run]:
    for _, grouped in groupby(attempts, key=lambda a: a.session_id):
        run = run_of(list(grouped))
        if run is not None:
            yield run


class Tally:
    """Streams attempts in (project, workflow, session, id) order into a report's numbers."""

    def __init__(self, period: Period, timezone: str) -> None:
        self.period = period
        zone = ZoneInfo(timezone)
        self.workflows: list[WorkflowStats] = []
        # Times are compared as epoch seconds: hundreds of thousands of runs go through.
        self._start = period.start.timestamp()
        self._end = period.end.timestamp()
        self._before = period.previous_start.timestamp()
        # Every calendar day the period touches, and when each begins (DST included).
        first = period.start.astimezone(zone).date()
        last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
        self._dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self._midnights = [datetime.combine(d, time(), zone).timestamp() for d in self._dates]
        self._days: list[Counter[RunOutcome]] = [Counter() for _ in self._dates]
        self._pending: list[AttemptRow] = []  # the last workflow of the last chunk

    def add(self, chunk: Sequence[AttemptRow]) -> None:
        """The next attempts in order; a workflow may go on in the next chunk."""
        if not chunk:
            return
        last = (chunk[-1].project, chunk[-1].workflow)
        rows = [*self._pending, *chunk]
        cut = len(rows)
        while cut > 0 and (rows[cut - 1].project, rows[cut - 1].workflow) == last:
            cut -= 1
        self._pending = rows[cut:]
        self._count(rows[:cut])

    def finish(self) -> None:
        self._count(self._pending)
        self._pending = []

    def _count(self, attempts: Iterable[AttemptRow]) -> None:
        for (project, workflow), rows in groupby(attempts, key=lambda a: (a.project, a.workflow)):
            stats = self._workflow(project, workflow, runs_of(rows))
            if stats is not None:
                self.workflows.append(stats)

    def _workflow(self, project: str, workflow: str, runs: Iterable[Run]) -> WorkflowStats | None:
        start, end, before = self._start, self._end, self._before
        outcomes: Counter[RunOutcome] = Counter()
        recovered: list[float] = []
        durations: list[float] = []
        previous: list[float] = []
        for run in runs:
            if before <= run.started < start and run.duration is not None:
                previous.append(run.duration)
            if not start <= run.started < end:
                continue
            outcomes[run.outcome] += 1
            self._days[bisect_right(self._midnights, run.started) - 1][run.outcome] += 1
            if run.recovery is not None:
                recovered.append(run.recovery)
            if run.duration is not None:
                durations.append(run.duration)
        total = sum(outcomes.values())
        if total == 0:
            return None
        return WorkflowStats(
            project=project,
            workflow=workflow,
            runs=total,
            successes=outcomes[RunOutcome.SUCCESS],
            failures=outcomes[RunOutcome.FAILED] + outcomes[RunOutcome.KILLED],
            running=outcomes[RunOutcome.RUNNING],
            recovered=len(recovered),
            mean_recovery=sum(recovered) / len(recovered) if recovered else None,
            p95=p95(durations),
            previous_p95=p95(previous),
        )

    def days(self) -> tuple[DayCounts, ...]:
        """Every calendar day the period touches, oldest first, with its runs by outcome."""
        return tuple(
            DayCounts(
                day,
                success=counts[RunOutcome.SUCCESS],
                failed=counts[RunOutcome.FAILED],
                killed=counts[RunOutcome.KILLED],
                running=counts[RunOutcome.RUNNING],
            )
            for day, counts in zip(self._dates, self._days, strict=True)
        )

    def totals(self) -> Totals:
        flows = self.workflows
        recovered = sum(w.recovered for w in flows)
        weighted = sum((w.mean_recovery or 0.0) * w.recovered for w in flows)
        return Totals(
            workflows=len(flows),
            runs=sum(w.runs for w in flows),
            successes=sum(w.successes for w in flows),
            failures=sum(w.failures for w in flows),
            running=sum(w.running for w in flows),
            recovered=recovered,
            mean_recovery=weighted / recovered if recovered else None,
        )


def flakiest(workflows: Iterable[WorkflowStats], n: int) -> list[WorkflowStats]:
    """Most runs that failed and then recovered (ties: the larger share of runs)."""
    found = [w for w in workflows if w.recovered]
    return sorted(found, key=lambda w: (-w.recovered, -w.recovered / w.runs, w.name))[:n]


def slowest(workflows: Iterable[WorkflowStats], n: int) -> list[WorkflowStats]:
    found = [w for w in workflows if w.p95 is not None]
    return sorted(found, key=lambda w: (-(w.p95 or 0.0), w.name))[:n]


def least_reliable(workflows: Iterable[WorkflowStats], n: int) -> list[WorkflowStats]:
    """The lowest success rates among workflows with a failure (ties: more failures)."""
    found = [w for w in workflows if w.failures and w.success_rate is not None]
    return sorted(found, key=lambda w: (w.success_rate or 0.0, -w.failures, w.name))[:n]
