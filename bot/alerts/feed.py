"""What changed at TD since the last poll: new attempts, and watched ones that finished.

``GET /api/attempts?include_retried=true`` lists every attempt of the account
newest first (id descending, ``last_id`` exclusive; td-api.md 3.7, 3.12), so
the new ones are the pages read from the top down to the cursor: one request
when nothing happened, plus one per ``page_size`` new attempts. A retry of a
session is a new attempt and arrives the same way.

Attempts seen running are watched. Their state comes for free while they are
still inside the pages just read (the newest page is read on every poll);
older ones cost either more pages or a ``GET /api/attempts/{id}`` each,
whichever is fewer requests. One missing from pages that should list it is
read by id too: a 404 there is the only sign that TD deleted it (``gone``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.aio import bounded_map
from bot.store.values import WatchedAttempt
from bot.td import TDClient
from bot.td.errors import NotFound
from bot.td.models import Attempt

PAGE_SIZE = 100  # the Workflow API's maximum (td-api.md 3.6)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Feed:
    finished: list[Attempt]  # newly finished (new or watched), ascending id
    started: list[Attempt]  # new attempts still running
    done_watched: list[str]  # watched attempt ids that finished or vanished
    gone: list[str]  # of those, the ones TD no longer has (404 for the attempt)
    still_running: list[Attempt]  # watched attempts read this poll that still run
    cursor: int | None  # the highest attempt id seen so far
    pages: int


async def read_feed(
    td: TDClient,
    cursor: int | None,
    watched: Sequence[WatchedAttempt],
    *,
    page_size: int = PAGE_SIZE,
    concurrency: int = 8,
) -> Feed:
    """Read what is new since ``cursor`` (None: first poll, history is not news)."""
    listing = _Listing(td, page_size)
    new: list[Attempt] = []
    while await listing.next_page():
        page = listing.last_page
        if cursor is None:
            break  # the first poll: only the newest page matters
        new.extend(a for a in page if int(a.id) > cursor)
        if listing.covered_from <= cursor:
            break

    top = max(listing.seen, default=None)
    if cursor is None:
        # History is not news; but on an empty account everything later is.
        new_cursor: int | None = top if top is not None else 0
        started = [a for a in listing.seen.values() if not a.status.done]
    else:
        new_cursor = max(cursor, top) if top is not None else cursor
        started = [a for a in new if not a.status.done]

    # Watched attempts below the pages read: page further where that is cheaper
    # than one GET each, then GET the rest.
    older = sorted((int(w.attempt_id) for w in watched), reverse=True)
    for _ in range(listing.pages_worth_reading(older)):
        if not await listing.next_page():
            break
    current: dict[int, Attempt | None] = {}
    outside: list[int] = []
    for wid in older:
        listed = listing.seen.get(wid)
        if listed is not None:
            current[wid] = listed
        else:
            # Below the pages read, or missing from them (deleted, most likely): only
            # TD's 404 for the attempt itself says it is gone, not a listing's silence.
            outside.append(wid)
    fetched = await bounded_map(lambda i: _attempt_or_none(td, i), outside, concurrency)
    current.update(zip(outside, fetched, strict=True))

    done_watched = [str(i) for i, a in current.items() if a is None or a.status.done]
    finished = {int(a.id): a for a in new if a.status.done}
    finished.update((i, a) for i, a in current.items() if a is not None and a.status.done)
    return Feed(
        finished=[finished[i] for i in sorted(finished)],
        started=sorted(started, key=lambda a: int(a.id)),
        done_watched=done_watched,
        gone=[str(i) for i, a in current.items() if a is None],
        still_running=[a for a in current.values() if a is not None and not a.status.done],
        cursor=new_cursor,
        pages=listing.pages,
    )


class _Listing:
    """``/api/attempts`` read page by page from the newest; remembers what it saw."""

    def __init__(self, td: TDClient, page_size: int) -> None:
        self._td = td
        self._page_size = page_size
        self.seen: dict[int, Attempt] = {}
        self.last_page: list[Attempt] = []
        self.pages = 0
        self.covered_from = 2**63  # every attempt with id >= this has been listed
        self._ended = False

    async def next_page(self) -> bool:
        """Read one more page; False when the listing had already ended."""
        if self._ended:
            return False
        last_id = None if self.pages == 0 else self.covered_from
        page = await self._td.attempts_page(
            include_retried=True, last_id=last_id, page_size=self._page_size
        )
        self.pages += 1
        self.last_page = page
        self.seen.update((int(a.id), a) for a in page)
        if len(page) < self._page_size:
            self._ended = True
            self.covered_from = 0
        else:
            self.covered_from = min(int(a.id) for a in page)
        return True

    def pages_worth_reading(self, watched_desc: Sequence[int]) -> int:
        """How many more pages to read so pages plus single GETs cost the least.

        Pages ahead are estimated from the id span of the pages read so far
        (ids are not dense: TD numbers attempts across its whole site).
        """
        below = [w for w in watched_desc if w < self.covered_from]
        if self._ended or not below or not self.seen:
            return 0
        span = max(1.0, (max(self.seen) - self.covered_from + 1) / self.pages)
        need = [math.ceil((self.covered_from - w) / span) for w in below]
        best_cost, best_depth = len(need), 0
        for depth in sorted(set(need)):
            cost = depth + sum(1 for n in need if n > depth)
            if cost < best_cost:
                best_cost, best_depth = cost, depth
        return best_depth


async def _attempt_or_none(td: TDClient, attempt_id: int) -> Attempt | None:
    try:
        return await td.attempt(attempt_id)
    except NotFound:
        return None
