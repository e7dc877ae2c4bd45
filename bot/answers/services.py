"""What the answer handlers use: the TD client, link targets, the clock, the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.td import TDClient


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    td: TDClient
    console: str  # console base URL, for links (and for reading pasted console URLs)
    now: Callable[[], datetime] = field(default=utc_now)

    @property
    def console_host(self) -> str:
        return (urlsplit(self.console).hostname or "").lower()
