"""The report cache, schedules and posts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.store import Store
from bot.store.report_cache import REPORT_HISTORY_KEPT, AttemptRow, FeedState, epoch
from bot.store.report_schedules import PostClaim
from tests.store.helpers import T0, at

DAY = timedelta(days=1)
LEASE = timedelta(minutes=10)


def row(attempt_id: int, *, status: str = "success", created: float = 0.0) -> AttemptRow:
    when = epoch(at(created))
    return AttemptRow(attempt_id, 1000 + attempt_id, 1, "etl", "daily", status, when, when)


async def test_rows_are_kept_newest_read_wins_and_stream_in_order(store: Store) -> None:
    cache = store.report_cache
    feed = FeedState("etl", None, 3, 1, T0 - DAY, T0)
    await cache.save([row(3, status="running"), row(1), row(2)], feed)
    assert await cache.unfinished("etl", None) == [(3, epoch(T0))]
    await cache.save([row(3, status="error")], feed)  # read again once it ended
    assert await cache.unfinished("etl", "daily") == []
    assert await cache.feed("etl", None) == feed
    chunks = [c async for c in cache.stream([("etl", None)], T0 - DAY, chunk=2)]
    assert [[r.attempt_id for r in c] for c in chunks] == [[1, 2], [3]]
    assert chunks[1][0].status == "error"
    assert [c async for c in cache.stream([("other", None)], T0 - DAY)] == []


async def test_a_post_is_planned_once_and_claimed_by_one(store: Store) -> None:
    schedules = store.report_schedules
    assert await store.set_report_schedule("C1", "daily", set_by="U1", now=T0)
    assert not await store.set_report_schedule("C1", "daily", set_by="U2", now=T0)
    assert await store.set_report_schedule("C2", "weekly", set_by="U1", now=T0)
    assert await schedules.plan("daily", "daily:2026-03-01", scheduled_by=T0, now=T0) == 1
    assert await schedules.plan("daily", "daily:2026-03-01", scheduled_by=T0, now=T0) == 0
    # A channel scheduled after the slot's time gets the next one.
    assert await schedules.plan("weekly", "weekly:2026-02-23", scheduled_by=T0 - DAY) == 0
    assert await schedules.unposted(T0 - DAY) == [("C1", "daily:2026-03-01")]

    claims = await asyncio.gather(
        *(schedules.claim("C1", "daily:2026-03-01", lease=LEASE, now=T0) for _ in range(4))
    )
    assert [c for c in claims if c is not None] == [PostClaim("C1", "daily:2026-03-01", 1)]
    # Its holder died: taken over once the lease ran out, as maybe posted.
    late = T0 + LEASE
    taken = await schedules.claim("C1", "daily:2026-03-01", lease=LEASE, now=late)
    assert taken == PostClaim("C1", "daily:2026-03-01", 2) and taken.maybe_posted
    await schedules.posted(taken, "1700000000.000001", now=late)
    assert await schedules.claim("C1", "daily:2026-03-01", lease=LEASE, now=late + DAY) is None
    assert await schedules.posts(["C1"]) == [("C1", "daily:2026-03-01", "1700000000.000001")]
    assert await store.set_report_schedule("C1", None, set_by="U1")
    assert await store.report_schedule("C1") is None


async def test_the_prune_keeps_what_the_longest_report_reads(store: Store) -> None:
    cache = store.report_cache
    old = (T0 - REPORT_HISTORY_KEPT - DAY - at(0)).total_seconds() / 60
    kept = (T0 - REPORT_HISTORY_KEPT + DAY - at(0)).total_seconds() / 60
    feed = FeedState("etl", None, 2, 1, T0 - 2 * REPORT_HISTORY_KEPT, T0)
    await cache.save([row(1, created=old), row(2, created=kept)], feed)
    pruned = await store.upkeep.prune(timedelta(days=30), now=T0)
    assert pruned.report_attempts == 1
    rows = [r async for c in cache.stream([(None, None)], T0 - 2 * REPORT_HISTORY_KEPT) for r in c]
    assert [r.attempt_id for r in rows] == [2]
