"""A report's chart: runs per day by outcome (stacked bars), and the slowest
workflow's duration trend over this period and the one before.

matplotlib (Agg) is imported only when a chart is drawn (see ``timeline``).
Bars are drawn without antialiasing so each outcome keeps its exact colour:
what a test counts pixels of.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from bot.reports.model import DayCounts, TrendPoint, WorkflowStats

OUTCOME_COLOURS = {
    "success": "#2eb67d",
    "failed": "#e01e5a",
    "killed": "#616061",
    "running": "#36c5f0",
}
TREND_COLOUR = "#ecb22e"
MAX_LABELS = 15  # day labels under the bars; a 90-day report labels every 7th day


def render_report_png(
    title: str,
    days: Sequence[DayCounts],
    trend: tuple[WorkflowStats, Sequence[TrendPoint]] | None = None,
    *,
    period_start: datetime | None = None,
) -> bytes:
    import matplotlib  # here, not at the top: see the module docstring

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    if not days:
        raise ValueError("a report chart needs at least one day")
    with_trend = trend is not None and bool(trend[1])
    figure = Figure(figsize=(10, 7 if with_trend else 4), dpi=100)
    if with_trend:
        bars, line = figure.subplots(2, 1, height_ratios=(3, 2))
    else:
        bars, line = figure.add_subplot(), None
    x = list(range(len(days)))
    bottom = [0] * len(days)
    for outcome, colour in OUTCOME_COLOURS.items():
        heights = [getattr(day, outcome) for day in days]
        if not any(heights):
            continue
        bars.bar(
            x, heights, bottom=bottom, width=0.7, color=colour, label=outcome, antialiased=False
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    every = max(1, len(days) // MAX_LABELS + (len(days) % MAX_LABELS > 0))
    shown = [(i, f"{d.day:%a %m-%d}") for i, d in enumerate(days) if i % every == 0]
    bars.set_xticks([i for i, _ in shown], [label for _, label in shown], fontsize=8)
    bars.set_ylabel("runs (sessions)", fontsize=8)
    bars.set_title(title, fontsize=10, loc="left")
    bars.grid(axis="y", alpha=0.3)
    if any(bottom):
        bars.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    if line is not None and trend is not None:
        flow, points = trend
        line.plot(
            [p.started for p in points],
            [p.seconds / 60 for p in points],
            color=TREND_COLOUR,
            marker=".",
            linewidth=1,
        )
        if period_start is not None:
            line.axvline(period_start, color="#1d1c1d", linestyle="--", linewidth=0.8)
        line.set_ylabel("minutes", fontsize=8)
        line.set_title(f"Duration of successful runs: {flow.name}", fontsize=9, loc="left")
        line.tick_params(labelsize=7)
        line.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
