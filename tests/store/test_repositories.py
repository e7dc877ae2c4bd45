"""Each repository works over a bare Database, on the same tables the Store façade uses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import (
    ActionKind,
    AlertKind,
    Audit,
    Database,
    Deliveries,
    PollState,
    Scopes,
    Store,
)
from tests.store.helpers import T0, at


async def test_repositories_on_their_own_share_state_with_the_facade(store_url: str) -> None:
    database = await Database.open(store_url, clock=lambda: T0)
    try:
        assert await Scopes(database).add_subscription("C1", "etl", created_by="U1")
        claim = await Deliveries(database).claim_alert(
            "C1", "900", "500", "etl", "daily", AlertKind.FAILURE
        )
        assert claim is not None
        assert claim.claimed_at == T0
        assert await Audit(database).claim_action(
            "retry:900", user_id="U1", action=ActionKind.RETRY, target_id="900"
        )
        await PollState(database).set_cursor("attempts.last_seen_id", "900")
    finally:
        await database.close()

    async with await Store.open(store_url) as store:
        assert [s.project for s in await store.channels_for("etl", "daily")] == ["etl"]
        assert (
            await store.claim_alert("C1", "900", "500", "etl", "daily", AlertKind.FAILURE) is None
        )
        assert [a.key for a in await store.actions(target_id="900")] == ["retry:900"]
        assert await store.get_cursor("attempts.last_seen_id") == "900"


async def test_the_lease_is_the_deliveries_own(store_url: str) -> None:
    database = await Database.open(store_url, clock=lambda: T0)
    try:
        with pytest.raises(ValueError, match="lease must be positive"):
            Deliveries(database, lease=timedelta(0))
        deliveries = Deliveries(database, lease=timedelta(minutes=10))
        claim = await deliveries.claim_alert("C1", "900", "500", "etl", "d", AlertKind.FAILURE)
        assert claim is not None
        assert await deliveries.pending_deliveries(at(9)) == []
        assert [c.id for c in await deliveries.pending_deliveries(at(10))] == [claim.id]
    finally:
        await database.close()
