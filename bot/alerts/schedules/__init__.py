"""Late, not started and schedule disabled: the schedule watcher (``ScheduleWatcher``),
what it knows between reads (``book``) and how it decides (``detect``)."""

from bot.alerts.schedules.watcher import RoundReport, ScheduleWatcher, WatchConfig

__all__ = ["RoundReport", "ScheduleWatcher", "WatchConfig"]
