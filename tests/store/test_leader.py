"""One poller at a time across replicas sharing a PostgreSQL database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store import Store


async def test_leader_lock_is_exclusive_across_engines(pg_url: str) -> None:
    first, second = await Store.open(pg_url), await Store.open(pg_url)
    try:
        async with first.leader_lock() as first_leads:
            async with second.leader_lock() as second_leads:
                assert (first_leads, second_leads) == (True, False)
            # Another tick name is another lock.
            async with second.leader_lock("digest") as digest_leads:
                assert digest_leads
        async with second.leader_lock() as second_leads:
            assert second_leads
    finally:
        await first.close()
        await second.close()


async def test_a_failed_tick_releases_the_lock(pg_url: str) -> None:
    first, second = await Store.open(pg_url), await Store.open(pg_url)
    try:
        try:
            async with first.leader_lock() as leads:
                assert leads
                raise RuntimeError("tick failed")
        except RuntimeError:
            pass
        async with second.leader_lock() as leads:
            assert leads
    finally:
        await first.close()
        await second.close()


async def test_concurrent_ticks_elect_one_leader(pg_url: str) -> None:
    stores = [await Store.open(pg_url) for _ in range(4)]
    started = asyncio.Event()
    entered = 0

    async def tick(store: Store) -> bool:
        nonlocal entered
        async with store.leader_lock() as leads:
            entered += 1
            if entered == len(stores):
                started.set()
            await started.wait()  # hold every lock until all ticks have tried
            return leads

    try:
        results = await asyncio.wait_for(asyncio.gather(*(tick(s) for s in stores)), 10)
    finally:
        for s in stores:
            await s.close()
    assert sorted(results) == [False, False, False, True]


async def test_sqlite_always_leads(tmp_path: Path) -> None:
    async with (
        await Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store,
        store.leader_lock() as leads,
    ):
        assert leads
