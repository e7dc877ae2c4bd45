"""What the answer handlers use: TD, link targets, the clock, the grammar, the services.

``subscriptions``, ``actions`` and ``reports`` are absent where the bot runs without a store
or admins (a lookup-only bot); their commands then answer "not available".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.actions import ActionService
from bot.alerts import SubscriptionService
from bot.commands import Grammar
from bot.reports import ReportService
from bot.td import TDClient


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    td: TDClient
    console: str  # console base URL, for links (and for reading pasted console URLs)
    grammar: Grammar
    now: Callable[[], datetime] = field(default=utc_now)
    subscriptions: SubscriptionService | None = None
    actions: ActionService | None = None
    reports: ReportService | None = None

    @property
    def console_host(self) -> str:
        return (urlsplit(self.console).hostname or "").lower()


class Unavailable(Exception):
    """This bot runs without what the command needs (no store, no admins): not available."""
