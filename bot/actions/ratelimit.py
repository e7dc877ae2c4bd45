"""Per-user rate of the commands that cost TD real work, shared by every replica.

The bucket lives in the store (``bot.store.RateLimits``), so N replicas behind
one Slack URL hold a user to one limit, not N. The numbers are settings
(``TDBOT_RATE_PER_MINUTE``, ``TDBOT_RATE_BURST``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from bot.commands import (
    Backfill,
    ByName,
    Command,
    Diagnose,
    Kill,
    KillJob,
    ListJobs,
    Retry,
    RunBackfill,
    ShowReport,
    Timeline,
)
from bot.store import RateLimits

log = logging.getLogger(__name__)

EXPENSIVE: tuple[type, ...] = (
    Diagnose,
    Timeline,
    Retry,
    Kill,
    KillJob,
    ListJobs,
    ByName,
    Backfill,
    RunBackfill,
    ShowReport,  # a report of many workflows reads hundreds of pages of history
)
DEFAULT_PER_MINUTE = 10.0
DEFAULT_BURST = 5


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: float  # 0 when allowed

    @property
    def message(self) -> str:
        wait = max(1, math.ceil(self.retry_after_seconds))
        return f"you're sending commands faster than tdbot can serve them; try again in {wait} s"


ALLOWED = RateDecision(True, 0.0)


class RateLimiter:
    """``per_minute`` commands flow in, at most ``burst`` are kept; one per expensive command."""

    def __init__(
        self,
        limits: RateLimits,
        *,
        per_minute: float = DEFAULT_PER_MINUTE,
        burst: int = DEFAULT_BURST,
    ) -> None:
        if not (math.isfinite(per_minute) and per_minute > 0) or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self._limits = limits
        self._interval = timedelta(minutes=1) / per_minute
        self._burst = burst

    async def check(self, user_id: str, command: Command) -> RateDecision:
        """Take one of the user's commands if ``command`` is expensive; cheap ones always pass."""
        if not isinstance(command, EXPENSIVE):
            return ALLOWED
        try:
            wait = await self._limits.take(user_id, interval=self._interval, burst=self._burst)
        except Exception:
            # A guard must not turn a store outage into refused commands: answer.
            log.warning("the rate limit could not be checked; allowing", exc_info=True)
            return ALLOWED
        seconds = wait.total_seconds()
        return RateDecision(seconds <= 0, max(0.0, seconds))
