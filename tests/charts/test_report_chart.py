"""The report chart is decoded and measured: its bars are as tall as the runs they count."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import matplotlib.image
import numpy as np
import pytest

from bot.charts import OUTCOME_COLOURS, render_report_png
from bot.reports import DayCounts, TrendPoint, WorkflowStats

DAYS = [date(2024, 6, 1) + timedelta(days=n) for n in range(3)]
MIN_BAR_WIDTH = 50  # pixels: the legend's colour patches are narrower than any bar


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(matplotlib.image.imread(io.BytesIO(png), format="png"))


def bar_areas(png: bytes, outcome: str) -> list[int]:
    """Pixels of ``outcome``'s exact colour in each bar, left to right."""
    image = pixels(png)
    rgb = tuple(int(OUTCOME_COLOURS[outcome][i : i + 2], 16) / 255 for i in (1, 3, 5))
    mask = np.all(np.isclose(image[:, :, :3], rgb, atol=1 / 512), axis=2)
    per_column = mask.sum(axis=0)
    areas, width, area = [], 0, 0
    for count in [*per_column.tolist(), 0]:
        if count:
            width, area = width + 1, area + count
            continue
        if width >= MIN_BAR_WIDTH:
            areas.append(area)
        width, area = 0, 0
    return areas


def days(success: list[int], failed: list[int]) -> list[DayCounts]:
    return [
        DayCounts(day, success=s, failed=f) for day, s, f in zip(DAYS, success, failed, strict=True)
    ]


def test_bars_are_proportional_to_the_runs_of_each_outcome() -> None:
    png = render_report_png("t", days([10, 20, 40], [5, 0, 10]))
    success = bar_areas(png, "success")
    assert len(success) == 3
    assert success[1] / success[0] == pytest.approx(2, rel=0.03)
    assert success[2] / success[0] == pytest.approx(4, rel=0.03)
    failed = bar_areas(png, "failed")
    assert len(failed) == 2  # the middle day had no failure
    assert failed[1] / failed[0] == pytest.approx(2, rel=0.05)
    # Stacked on one scale: a failed run is as tall as a successful one.
    assert failed[0] / success[0] == pytest.approx(0.5, rel=0.05)


def test_the_image_depends_on_the_history() -> None:
    one = render_report_png("t", days([10, 20, 40], [5, 0, 10]))
    other = render_report_png("t", days([40, 20, 10], [0, 5, 0]))
    assert one != other
    assert bar_areas(other, "success")[0] / bar_areas(other, "success")[2] == pytest.approx(
        4, rel=0.03
    )
    assert len(bar_areas(other, "failed")) == 1


def test_the_slowest_workflows_trend_is_drawn_under_the_bars() -> None:
    flow = WorkflowStats("p", "w", 3, 3, 0, 0, 0, None, 600.0, 300.0)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    trend = (flow, [TrendPoint(start + timedelta(hours=h), 300.0 + 60 * h) for h in range(5)])
    without = pixels(render_report_png("t", days([1, 2, 3], [0, 0, 0])))
    with_trend = pixels(render_report_png("t", days([1, 2, 3], [0, 0, 0]), trend))
    assert with_trend.shape[0] > without.shape[0] and with_trend.shape[1] == without.shape[1]
