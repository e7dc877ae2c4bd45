"""Attempts started from Slack, followed to their end and told in their thread once."""

from bot.watch.watcher import WATCH_EVERY, Watcher

__all__ = ["WATCH_EVERY", "Watcher"]
