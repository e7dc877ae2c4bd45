"""Reliability reports: TD's session history per workflow over the last N days.

``ReportService.report(scopes, days)`` reads what the cache lacks from TD
(``History``), then computes the numbers (``Tally``; definitions in
``bot.reports.stats``). Plain Python: no Slack, no rendering.
"""

from bot.commands.reports import DEFAULT_DAYS, MAX_DAYS
from bot.reports.history import Feed, History
from bot.reports.model import (
    SCHEDULED_DAYS,
    DayCounts,
    Period,
    Report,
    RunOutcome,
    Totals,
    TrendPoint,
    WorkflowStats,
)
from bot.reports.service import ReportService, scope_label
from bot.reports.stats import Run, Tally, flakiest, least_reliable, p95, run_of, runs_of, slowest

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "SCHEDULED_DAYS",
    "DayCounts",
    "Feed",
    "History",
    "Period",
    "Report",
    "ReportService",
    "Run",
    "RunOutcome",
    "Tally",
    "Totals",
    "TrendPoint",
    "WorkflowStats",
    "flakiest",
    "least_reliable",
    "p95",
    "run_of",
    "runs_of",
    "scope_label",
    "slowest",
]
