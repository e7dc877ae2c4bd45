"""The poller's durable state survives restarts."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store, WatchedAttempt
from tests.store.helpers import T0, at


async def test_cursor_survives_a_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    async with await Store.open(url) as store:
        assert await store.get_cursor("attempts.last_seen_id") is None
        await store.set_cursor("attempts.last_seen_id", "41", now=T0)
        await store.set_cursor("attempts.last_seen_id", "42", now=T0)
        await store.watch_attempt("43", session_id="7", project="etl", workflow="d", now=T0)
        await store.record_poll_success(at(1))
    async with await Store.open(url) as store:
        assert await store.get_cursor("attempts.last_seen_id") == "42"
        assert [w.attempt_id for w in await store.watched_attempts()] == ["43"]
        assert await store.last_poll_success() == at(1)


async def test_cursor_and_poll_time(store: Store) -> None:
    await store.set_cursor("attempts.last_seen_id", "7")
    await store.set_cursor("other", "x")
    assert await store.get_cursor("attempts.last_seen_id") == "7"
    assert await store.last_poll_success() is None
    await store.record_poll_success(at(1))
    await store.record_poll_success(at(2))
    assert await store.last_poll_success() == at(2)
    # The poll time is not one of the caller's cursors.
    assert await store.get_cursor("other") == "x"


async def test_watched_attempts(store: Store) -> None:
    await store.watch_attempt("20", session_id="2", project="etl", workflow="b", now=at(2))
    await store.watch_attempt("10", session_id="1", project="etl", workflow="a", now=at(1))
    # Seen running again on the next poll: still watched since the first sighting.
    await store.watch_attempt("10", session_id="1", project="etl", workflow="a", now=at(3))
    assert await store.watched_attempts() == [
        WatchedAttempt("10", "1", "etl", "a", at(1)),
        WatchedAttempt("20", "2", "etl", "b", at(2)),
    ]
    assert await store.unwatch_attempt("10")
    assert not await store.unwatch_attempt("10")
    assert [w.attempt_id for w in await store.watched_attempts()] == ["20"]


async def test_an_in_memory_store_serves_concurrent_tasks() -> None:
    import asyncio

    async with await Store.open("sqlite://") as store:
        await asyncio.gather(*(store.set_cursor(f"k{i}", str(i), now=T0) for i in range(20)))
        values = await asyncio.gather(*(store.get_cursor(f"k{i}") for i in range(20)))
    assert values == [str(i) for i in range(20)]
