"""TD's attempt history, read into the report cache: only what the cache lacks.

A feed is ``GET /api/attempts?project=&workflow=&include_retried=true``: every
attempt of one project (or one workflow), newest first, ``last_id`` exclusive,
at most 100 a page (td-api.md 3.7, 3.12), read lean
(``TDClient.attempt_history_page``). A retry is a new attempt with a
higher id, and a finished attempt never changes, so a feed read before is read
again only from its newest page down to what the cache holds; attempts that
were unfinished are re-read with it (the recent ones come with those pages, an
attempt stuck for longer than ``STUCK`` is asked for by id rather than paging
back to it). A feed is read further back only when a report reaches further.
Feeds are read concurrently, at most ``concurrency`` at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.aio import bounded_map
from bot.store.report_cache import AttemptRow, FeedState, ReportCache, epoch
from bot.td import AttemptSummary, TDClient
from bot.td.errors import NotFound
from bot.td.models import Attempt

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the Workflow API's maximum (td-api.md 3.6)
CONCURRENCY = 32
STUCK = timedelta(days=1)
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)  # covered_since of a feed read to its end


@dataclass(frozen=True)
class Feed:
    project: str
    workflow: str | None = None  # None: every workflow of the project


@dataclass
class _Read:
    """What one feed's pages gave."""

    rows: dict[int, AttemptRow] = field(default_factory=dict)
    ended: bool = False  # the listing ran out: nothing older exists
    reached_since: bool = False
    gone: list[int] = field(default_factory=list)  # cached, but TD no longer has them


class History:
    def __init__(
        self,
        td: TDClient,
        cache: ReportCache,
        *,
        clock: Callable[[], datetime],
        concurrency: int = CONCURRENCY,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._td = td
        self._cache = cache
        self._clock = clock
        self._concurrency = concurrency
        self._page_size = page_size
        # The feeds read TD concurrently but take turns at the store: on SQLite every
        # transaction takes the write lock, and dozens waiting on it is slower than a queue.
        self._store_turn = asyncio.Lock()

    async def refresh(self, feeds: Sequence[Feed], since: datetime) -> None:
        """Bring every feed's cache up to now, complete back to ``since``."""
        await bounded_map(lambda feed: self._refresh(feed, since), feeds, self._concurrency)

    async def _refresh(self, feed: Feed, since: datetime) -> None:
        try:
            async with self._store_turn:
                state = await self._cache.feed(feed.project, feed.workflow)
            read = _Read()
            now = self._clock()
            if state is None:
                await self._pages(feed, read, last_id=None, above=None, since=since)
                covered = BEGINNING if read.ended else since
                state = FeedState(feed.project, feed.workflow, 0, 0, covered, now)
            else:
                stuck = await self._reread(feed, state, read, now)
                if since < state.covered_since:
                    # Only this read says how far back the feed is complete now.
                    read.ended = read.reached_since = False
                    await self._pages(feed, read, last_id=state.bottom_id, above=None, since=since)
                    if read.ended or read.reached_since:
                        covered = BEGINNING if read.ended else since
                        state = replace(state, covered_since=min(covered, state.covered_since))
                await self._read_stuck(stuck, read)
        except NotFound:
            log.info("report: %s is gone from TD; nothing to read", feed)
            return
        ids = list(read.rows)
        state = replace(
            state,
            top_id=max([state.top_id, *ids]),
            bottom_id=min([state.bottom_id or 2**63, *ids]) if ids else state.bottom_id,
            refreshed_at=now,
        )
        async with self._store_turn:
            await self._cache.save(list(read.rows.values()), state, gone=read.gone)

    async def _reread(self, feed: Feed, state: FeedState, read: _Read, now: datetime) -> list[int]:
        """Read what is newer than the cache, and the recent unfinished; the stuck ids."""
        async with self._store_turn:
            unfinished = await self._cache.unfinished(feed.project, feed.workflow)
        stuck_before = epoch(now - STUCK)
        recent = [i for i, created in unfinished if created >= stuck_before]
        boundary = min([state.top_id, *(i - 1 for i in recent)])
        await self._pages(feed, read, last_id=None, above=boundary, since=None)
        return [i for i, created in unfinished if created < stuck_before and i not in read.rows]

    async def _pages(
        self,
        feed: Feed,
        read: _Read,
        *,
        last_id: int | None,
        above: int | None,
        since: datetime | None,
    ) -> None:
        """Pages down from ``last_id`` until ids reach ``above`` or times reach ``since``."""
        while True:
            page = await self._td.attempt_history_page(
                feed.project, feed.workflow, last_id=last_id, page_size=self._page_size
            )
            for attempt in page:
                row = _row(attempt)
                if row is not None and (above is None or row.attempt_id > above):
                    read.rows[row.attempt_id] = row
            if len(page) < self._page_size:
                read.ended = True
                return
            last_id = min(int(a.id) for a in page)
            if above is not None and last_id <= above:
                return
            oldest = min((a.created_at for a in page if a.created_at is not None), default=None)
            if since is not None and oldest is not None and oldest < since:
                read.reached_since = True
                return

    async def _read_stuck(self, ids: Sequence[int], read: _Read) -> None:
        async def one(attempt_id: int) -> Attempt | None:
            try:
                return await self._td.attempt(attempt_id)
            except NotFound:
                return None

        for attempt_id, attempt in zip(
            ids, await bounded_map(one, ids, self._concurrency), strict=True
        ):
            if attempt is None:
                # Deleted at TD (its project re-pushed, or removed): asked for again at
                # every report for as long as it stayed in the cache as unfinished.
                read.gone.append(attempt_id)
            elif (row := _row(attempt)) is not None:
                read.rows[row.attempt_id] = row


def _row(attempt: Attempt | AttemptSummary) -> AttemptRow | None:
    if attempt.created_at is None:
        return None  # TD always sets it; an attempt without one cannot be placed in time
    return AttemptRow(
        attempt_id=int(attempt.id),
        session_id=int(attempt.session_id),
        index=attempt.index,
        project=attempt.project.name,
        workflow=attempt.workflow.name,
        status=attempt.status.value,
        created_at=epoch(attempt.created_at),
        finished_at=None if attempt.finished_at is None else epoch(attempt.finished_at),
    )
