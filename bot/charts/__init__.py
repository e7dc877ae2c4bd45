"""Pictures: charts rendered to PNG bytes (no Slack, no TD calls)."""

from bot.charts.report import OUTCOME_COLOURS, render_report_png
from bot.charts.timeline import TimelineBar, render_timeline_png, timeline_bars

__all__ = [
    "OUTCOME_COLOURS",
    "TimelineBar",
    "render_report_png",
    "render_timeline_png",
    "timeline_bars",
]
