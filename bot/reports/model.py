"""What a report is made of: its period, and the numbers it computes per workflow.

Times are aware UTC datetimes; durations are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.commands.reports import MAX_DAYS

# The days a scheduled report covers, by cadence (`report daily`, `report weekly`).
SCHEDULED_DAYS = {"daily": 1, "weekly": 7}


class RunOutcome(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"  # the last attempt ended in error
    KILLED = "killed"
    RUNNING = "running"  # not finished yet (queued, running, canceling, or a status TD added)


@dataclass(frozen=True)
class Period:
    """The last ``days`` x 24 h up to ``end``; ``previous`` is the same length before it."""

    end: datetime
    days: int

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"a report covers 1-{MAX_DAYS} days, got {self.days}")

    @property
    def length(self) -> timedelta:
        return timedelta(days=self.days)

    @property
    def start(self) -> datetime:
        return self.end - self.length

    @property
    def previous_start(self) -> datetime:
        return self.start - self.length


@dataclass(frozen=True)
class WorkflowStats:
    project: str
    workflow: str
    runs: int
    successes: int
    failures: int  # sessions whose last attempt ended in error or was killed
    running: int
    recovered: int  # sessions that failed at least once and then succeeded
    mean_recovery: float | None  # seconds, over the recovered sessions
    p95: float | None  # seconds, over the successful runs of the period
    previous_p95: float | None  # the same over the previous period

    @property
    def name(self) -> str:
        return f"{self.project}/{self.workflow}"

    @property
    def finished(self) -> int:
        return self.successes + self.failures

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.finished if self.finished else None

    @property
    def p95_change(self) -> float | None:
        """The p95's relative change against the previous period (0.25: 25 % slower)."""
        if self.p95 is None or not self.previous_p95:
            return None
        return self.p95 / self.previous_p95 - 1


@dataclass(frozen=True)
class DayCounts:
    """Runs that started on one calendar day (in the report's time zone), by outcome."""

    day: date
    success: int = 0
    failed: int = 0
    killed: int = 0
    running: int = 0

    @property
    def runs(self) -> int:
        return self.success + self.failed + self.killed + self.running


@dataclass(frozen=True)
class Totals:
    workflows: int
    runs: int
    successes: int
    failures: int
    running: int
    recovered: int
    mean_recovery: float | None

    @property
    def success_rate(self) -> float | None:
        finished = self.successes + self.failures
        return self.successes / finished if finished else None


@dataclass(frozen=True)
class TrendPoint:
    started: datetime
    seconds: float


@dataclass(frozen=True)
class Report:
    scope: str  # what it covers, in the user's words (`sales_etl, crm_sync/*`)
    period: Period
    timezone: str
    totals: Totals
    workflows: tuple[WorkflowStats, ...]  # by name
    days: tuple[DayCounts, ...]  # every day of the period, oldest first
    # The slowest workflow's successful runs over both periods, oldest first.
    trend: tuple[WorkflowStats, tuple[TrendPoint, ...]] | None = None

    @property
    def empty(self) -> bool:
        return self.totals.runs == 0
