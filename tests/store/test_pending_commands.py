"""Commands between ack and answer: a lapsed lease is taken by one replica only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.store import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=90)


async def test_a_lapsed_command_is_taken_once_and_its_lease_renewed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    async with await Store.open(url) as one, await Store.open(url) as two:
        fresh = await one.pending_commands.add(
            "http://h/1", "job 1", user_id="U1", channel_id="C1", now=T0
        )
        lapsed = await one.pending_commands.add(
            "http://h/2", "job 2", user_id="U1", channel_id="C1", now=T0 - timedelta(minutes=3)
        )
        taken = await asyncio.gather(
            one.pending_commands.orphans(lease=LEASE, now=T0),
            two.pending_commands.orphans(lease=LEASE, now=T0),
        )
        winners = [c for found in taken for c in found]
        assert [(c.id, c.text, c.tries) for c in winners] == [(lapsed, "job 2", 2)]
        # Taken now: its new holder has a whole lease before anyone takes it again.
        assert await two.pending_commands.orphans(lease=LEASE, now=T0 + LEASE / 2) == []
        await one.pending_commands.done(lapsed)
        later = await two.pending_commands.orphans(lease=LEASE, now=T0 + 2 * LEASE)
        assert [c.id for c in later] == [fresh]


async def test_a_burst_of_commands_shares_transactions(store: Store) -> None:
    """Fifty commands at once: each gets the id of its own row, in far fewer
    transactions than fifty, and each is forgotten alone."""
    transactions = 0
    begin = store.database.transaction

    def counted() -> Any:
        nonlocal transactions
        transactions += 1
        return begin()

    store.database.transaction = counted  # type: ignore[method-assign]
    ids = await asyncio.gather(
        *(
            store.pending_commands.add(f"http://h/{i}", f"job {i}", user_id="U1", channel_id="C1")
            for i in range(50)
        )
    )
    assert len(set(ids)) == 50 and transactions <= 3
    lapsed = await store.pending_commands.orphans(lease=LEASE, limit=100, now=T0 + 2 * LEASE)
    assert {c.id: c.text for c in lapsed} == {i: f"job {n}" for n, i in enumerate(ids)}
    await asyncio.gather(*(store.pending_commands.done(i) for i in ids[::2]))
    left = await store.pending_commands.orphans(lease=LEASE, limit=100, now=T0 + 4 * LEASE)
    assert sorted(c.id for c in left) == sorted(ids[1::2])
