"""How a report words a workflow's change of p95 against the period before."""

from __future__ import annotations

import pytest

from bot.present.report import change
from bot.reports.model import WorkflowStats


def stats(p95: float | None, previous_p95: float | None) -> WorkflowStats:
    return WorkflowStats("p", "w", 10, 10, 0, 0, 0, None, p95, previous_p95)


@pytest.mark.parametrize(
    ("p95", "before", "said"),
    [
        (600.0, 480.0, "25% slower than the 7 days before (8m 00s)"),
        (360.0, 480.0, "25% faster than the 7 days before (8m 00s)"),
        (960.0, 480.0, "2.0× the 7 days before (8m 00s)"),
        (36600.0, 350.0, "104.6× the 7 days before (5m 50s)"),
        (600.0, None, "no successful run in the 7 days before"),
    ],
)
def test_a_change_is_a_percentage_until_it_doubles_then_a_factor(
    p95: float, before: float | None, said: str
) -> None:
    assert change(stats(p95, before), 7) == said


def test_a_one_day_report_compares_with_the_day_before() -> None:
    assert change(stats(600.0, 480.0), 1) == "25% slower than the day before (8m 00s)"
    assert change(stats(600.0, None), 1) == "no successful run in the day before"
