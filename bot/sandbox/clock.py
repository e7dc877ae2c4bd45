"""The sandbox's own time: fixed at construction, moved only by ``advance``."""

from __future__ import annotations

from datetime import UTC, datetime

# A fixed instant so that the seeded account is the same on every run.
DEFAULT_NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        if now.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        self._now = now.astimezone(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime) -> None:
        if value < self._now:
            raise ValueError(f"the clock does not go back ({value} < {self._now})")
        self._now = value.astimezone(UTC)
