"""Per-user token bucket for the commands that cost TD real work.

In memory and per process: with several replicas each one limits on its own,
which still bounds what one user can make tdbot ask of TD.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands import Command, Diagnose, Kill, KillJob, ListJobs, Retry, Timeline

EXPENSIVE: tuple[type, ...] = (Diagnose, Timeline, Retry, Kill, KillJob, ListJobs)
_EPSILON = 1e-9
_MAX_USERS = 10_000  # beyond this, buckets that are full again are forgotten


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: float  # 0 when allowed

    @property
    def message(self) -> str:
        wait = max(1, math.ceil(self.retry_after_seconds))
        return f"you're sending commands faster than tdbot can serve them; try again in {wait} s"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``per_minute`` tokens flow in, at most ``burst`` are kept; one per expensive command."""

    def __init__(
        self,
        *,
        per_minute: float = 10,
        burst: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (math.isfinite(per_minute) and per_minute > 0) or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def check(self, user_id: str, command: Command) -> RateDecision:
        """Take a token for ``command`` if it is expensive; cheap commands always pass."""
        if not isinstance(command, EXPENSIVE):
            return RateDecision(True, 0.0)
        now = self._clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        # Float refill drifts a hair below 1 after exactly the advertised wait.
        if bucket.tokens >= 1 - _EPSILON:
            bucket.tokens -= 1
            return RateDecision(True, 0.0)
        return RateDecision(False, (1 - bucket.tokens) / self._rate)

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < _MAX_USERS:
            return
        full_after = self._burst / self._rate
        self._buckets = {
            user: b for user, b in self._buckets.items() if now - b.updated < full_after
        }
