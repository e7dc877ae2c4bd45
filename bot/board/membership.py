"""Which channels a person is in, asked of the chat surface and kept briefly.

A board is opened often (every visit to the Home tab) and memberships change
rarely, so one answer per person serves every open within ``ttl`` seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

MEMBERSHIP_TTL = 60.0
MAX_PEOPLE = 1000


class Membership(Protocol):
    async def channels_of(self, user_id: str) -> frozenset[str]: ...


class MemberCache:
    """A ``Membership`` over ``fetch``: each person's answer kept for ``ttl`` seconds.

    Bounded to the ``keep`` people seen most recently; a failed fetch is not kept.
    """

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[frozenset[str]]],
        *,
        ttl: float = MEMBERSHIP_TTL,
        keep: int = MAX_PEOPLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._keep = keep
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, frozenset[str]]] = OrderedDict()

    async def channels_of(self, user_id: str) -> frozenset[str]:
        now = self._clock()
        held = self._known.get(user_id)
        if held is not None and now - held[0] < self._ttl:
            self._known.move_to_end(user_id)
            return held[1]
        channels = await self._fetch(user_id)
        self._known[user_id] = (now, channels)
        self._known.move_to_end(user_id)
        while len(self._known) > self._keep:
            self._known.popitem(last=False)
        return channels
