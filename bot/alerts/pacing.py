"""Pacing: Slack's per-channel post rate, and exponential backoff after failures."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class ChannelPacer:
    """A token bucket per channel: at most ``rate`` posts per second, bursts of ``burst``.

    Slack allows about one ``chat.postMessage`` per second per channel; staying
    under it means 429s are rare, and a 429 that still comes (another app, the
    workspace-wide limit) pauses only the channel it names.
    """

    def __init__(
        self,
        rate: float = 1.0,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, channel: str) -> None:
        """Wait until one more post to ``channel`` is allowed, and take it."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            while (wait := self._wait_needed(channel)) > 0:
                await self._sleep(wait)
            self._tokens[channel] -= 1.0

    def pause(self, channel: str, seconds: float) -> None:
        """Slack said Retry-After: nothing goes to ``channel`` for ``seconds``."""
        until = self._clock() + max(0.0, seconds)
        self._paused_until[channel] = max(until, self._paused_until.get(channel, 0.0))
        self._tokens[channel] = 0.0
        self._stamp[channel] = until

    def _wait_needed(self, channel: str) -> float:
        now = self._clock()
        paused = self._paused_until.get(channel, 0.0) - now
        if paused > 0:
            return paused
        tokens = self._tokens.get(channel, self._burst)
        stamp = self._stamp.get(channel, now)
        tokens = min(self._burst, tokens + max(0.0, now - stamp) * self._rate)
        self._tokens[channel] = tokens
        self._stamp[channel] = now
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate


def backoff_seconds(failures: int, *, base: float, cap: float, jitter: float = 0.1) -> float:
    """Exponential backoff after ``failures`` consecutive failures (1 -> ``base``), capped.

    A little jitter keeps replicas that failed together from retrying together.
    """
    if failures <= 0:
        return 0.0
    delay = min(cap, base * 2.0 ** min(failures - 1, 32))
    return delay * (1.0 + random.uniform(0.0, jitter))
