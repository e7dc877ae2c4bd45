"""Pictures: charts rendered to PNG bytes (no Slack, no TD calls)."""

from bot.charts.timeline import TimelineBar, render_timeline_png, timeline_bars

__all__ = ["TimelineBar", "render_timeline_png", "timeline_bars"]
