"""Slack redelivers an event it thinks was not acked (X-Slack-Retry-Num): answer once.

``EventLog`` is what the listeners ask. The served bot passes the store's
``SeenEvents``, shared by every replica, so a retry that lands on another
replica is not answered twice; ``RecentKeys`` is the per-process stand-in for
a bot built without a store.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class EventLog(Protocol):
    async def first_time(self, key: str) -> bool:
        """True the first time ``key`` is offered, False for every repeat."""
        ...


class RecentKeys:
    """Keys seen in the last ``ttl`` seconds (at most ``capacity`` of them), in this process."""

    def __init__(
        self,
        ttl: float = 3600.0,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        """True the first time ``key`` is offered within the window, False after."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now - self._ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        if len(self._seen) >= self._capacity:
            self._seen.popitem(last=False)
        self._seen[key] = now
        return True
