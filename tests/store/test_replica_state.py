"""Slack event ids and rate limits shared by replicas: several engines, one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from bot.store import Store
from bot.store.ratelimits import NO_WAIT
from tests.store.helpers import T0, at

SIX_SECONDS = timedelta(seconds=6)


@asynccontextmanager
async def replicas(url: str, count: int) -> AsyncIterator[list[Store]]:
    """``count`` stores on one database, each with its own engine, as separate processes have."""
    stores = [await Store.open(url) for _ in range(count)]
    try:
        yield stores
    finally:
        for opened in stores:
            await opened.close()


async def test_an_event_is_seen_first_once(store: Store) -> None:
    seen = store.seen_events
    assert await seen.first_time("Ev01")
    assert not await seen.first_time("Ev01")
    assert await seen.first_time("Ev02")


async def test_replicas_racing_for_an_event_let_exactly_one_answer(store_url: str) -> None:
    async with replicas(store_url, 4) as stores:
        events = [f"Ev{i:03d}" for i in range(15)]
        firsts = await asyncio.gather(
            *(s.seen_events.first_time(e, now=T0) for e in events for s in stores for _ in "ab")
        )
    assert sum(firsts) == len(events)


async def test_a_bucket_refills_one_request_per_interval(store: Store) -> None:
    limits = store.rate_limits

    async def take(now: float) -> timedelta:
        return await limits.take("U1", interval=SIX_SECONDS, burst=2, now=at(now / 60))

    assert [await take(0), await take(0)] == [NO_WAIT, NO_WAIT]
    assert await take(0) == SIX_SECONDS
    assert await take(5) == timedelta(seconds=1)  # a refused request costs nothing
    assert await take(6) == NO_WAIT
    assert await take(6) == SIX_SECONDS
    assert [await take(600), await take(600), await take(600)] == [
        NO_WAIT,
        NO_WAIT,
        SIX_SECONDS,
    ]


async def test_replicas_share_one_limit(store_url: str) -> None:
    """Three replicas, twelve concurrent requests from one user: the burst, not three bursts."""
    async with replicas(store_url, 3) as stores:
        waits = await asyncio.gather(
            *(
                s.rate_limits.take("U1", interval=SIX_SECONDS, burst=5, now=T0)
                for s in stores
                for _ in range(4)
            )
        )
        other = await stores[0].rate_limits.take("U2", interval=SIX_SECONDS, burst=5, now=T0)
    assert waits.count(NO_WAIT) == 5
    assert other == NO_WAIT


@pytest.mark.parametrize(("interval", "burst"), [(timedelta(0), 1), (SIX_SECONDS, 0)])
async def test_nonsense_limits_are_refused(store: Store, interval: timedelta, burst: int) -> None:
    with pytest.raises(ValueError):
        await store.rate_limits.take("U1", interval=interval, burst=burst)
