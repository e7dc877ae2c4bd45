"""The learned runtime limit: when a run with no ``sla runtime`` counts as running long.

The rule: the 95th percentile (nearest rank) of the workflow's last good runs,
times 1.5, and at least 5 minutes more than it. The percentile rather than the
slowest run, so one freak run does not raise the bar for weeks; the factor so
that ordinary variation (a bigger Monday) stays quiet; the floor so a 2-minute
workflow is not flagged at 3 minutes because a TD queue was busy. Nothing is
learned from fewer than ``MIN_RUNS`` runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.silent.findings import Baseline
from bot.store import GoodRun
from bot.td.models import AttemptStatus

MIN_RUNS = 5
FACTOR = 1.5
FLOOR = timedelta(minutes=5)


def learned(runs: Sequence[timedelta]) -> Baseline | None:
    """The baseline of these good runs; None before ``MIN_RUNS`` of them."""
    if len(runs) < MIN_RUNS:
        return None
    ordered = sorted(runs)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return Baseline(runs=len(ordered), fastest=ordered[0], slowest=ordered[-1], p95=p95)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class EndedAttempt(Protocol):
    """What ``good_run`` reads: a full ``Attempt`` (the poll) or a lean history
    ``AttemptSummary`` (seeding from TD's history) both have it."""

    @property
    def id(self) -> str | int: ...
    @property
    def index(self) -> int: ...
    @property
    def status(self) -> AttemptStatus: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def project(self) -> _Named: ...
    @property
    def workflow(self) -> _Named: ...


def good_run(attempt: EndedAttempt) -> GoodRun | None:
    """The attempt as a run the baseline learns from, or None: only a first attempt that
    succeeded counts, start (``createdAt``) to end; a retry resumes where its session
    failed, so its time says nothing about how long the workflow takes."""
    start, end = attempt.created_at, attempt.finished_at
    if attempt.status is not AttemptStatus.SUCCESS or attempt.index != 1:
        return None
    if start is None or end is None:
        return None
    return GoodRun(str(attempt.id), attempt.project.name, attempt.workflow.name, end - start, end)


def limit_of(baseline: Baseline) -> timedelta:
    """How long a run may take before it is running long, by the baseline."""
    return max(baseline.p95 * FACTOR, baseline.p95 + FLOOR)
