"""Exactly-once alert delivery: claims, leases, retries, and session threads."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.store import AlertKind, Claim, DeliveryState, Store
from tests.store.helpers import T0, at


async def _claim(store: Store, attempt: str = "900") -> Claim:
    claim = await store.claim_alert("C1", attempt, "500", "etl", "daily", AlertKind.FAILURE, now=T0)
    assert claim is not None
    return claim


async def test_a_claim_is_taken_once(store: Store) -> None:
    claim = await _claim(store)
    assert (claim.channel_id, claim.attempt_id, claim.session_id) == ("C1", "900", "500")
    assert (claim.kind, claim.state, claim.tries) == (AlertKind.FAILURE, DeliveryState.CLAIMED, 1)
    assert claim.claimed_at == T0
    again = await store.claim_alert("C1", "900", "500", "etl", "daily", AlertKind.FAILURE)
    assert again is None
    # Another channel is another delivery.
    assert await store.claim_alert("C2", "900", "500", "etl", "daily", AlertKind.FAILURE)


async def test_a_delivered_claim_stays_claimed(store: Store) -> None:
    claim = await _claim(store)
    await store.mark_delivered(claim, "1700000000.000100", None, now=at(1))
    assert await store.claim_alert("C1", "900", "500", "etl", "daily", AlertKind.FAILURE) is None
    assert await store.pending_deliveries(at(60)) == []


async def test_concurrent_claims_from_many_tasks_and_engines(store_url: str) -> None:
    """Four 'processes' (engines) with two tasks each race for 20 alerts."""
    stores = [await Store.open(store_url) for _ in range(4)]
    attempts = [str(1000 + i) for i in range(20)]
    try:
        results = await asyncio.gather(
            *(
                s.claim_alert("C1", a, "500", "etl", "daily", AlertKind.FAILURE, now=T0)
                for a in attempts
                for s in stores
                for _ in range(2)
            )
        )
    finally:
        for s in stores:
            await s.close()
    won = [c.attempt_id for c in results if c is not None]
    assert sorted(won) == attempts


async def test_an_abandoned_claim_becomes_pending_after_the_lease(store: Store) -> None:
    claim = await _claim(store)
    assert await store.pending_deliveries(at(1)) == []
    assert await store.pending_deliveries(at(2) - timedelta(seconds=1)) == []
    [retaken] = await store.pending_deliveries(at(2))
    assert (retaken.id, retaken.tries, retaken.claimed_at) == (claim.id, 2, at(2))
    # Leased to whoever retook it: not handed out again within the new lease.
    assert await store.pending_deliveries(at(3)) == []
    [third] = await store.pending_deliveries(at(4))
    assert third.tries == 3


async def test_a_retake_is_handed_to_one_caller_only(store_url: str) -> None:
    stores = [await Store.open(store_url) for _ in range(3)]
    try:
        await _claim(stores[0])
        batches = await asyncio.gather(*(s.pending_deliveries(at(5)) for s in stores * 2))
    finally:
        for s in stores:
            await s.close()
    assert sorted(len(batch) for batch in batches) == [0, 0, 0, 0, 0, 1]


async def test_a_failed_post_is_retried_when_due(store: Store) -> None:
    claim = await _claim(store)
    await store.mark_failed(claim, "ratelimited", at(10))
    assert await store.pending_deliveries(at(9)) == []
    [due] = await store.pending_deliveries(at(10))
    assert (due.state, due.tries, due.last_error, due.next_try_at) == (
        DeliveryState.CLAIMED,
        2,
        "ratelimited",
        None,
    )
    await store.mark_delivered(due, "1.2", "1.1", now=at(10))
    assert await store.pending_deliveries(at(100)) == []


async def test_a_given_up_delivery_is_not_retried(store: Store) -> None:
    claim = await _claim(store)
    await store.mark_failed(claim, "channel_not_found", None)
    assert await store.pending_deliveries(at(10_000)) == []
    assert await store.claim_alert("C1", "900", "500", "etl", "daily", AlertKind.FAILURE) is None


async def test_a_late_failure_does_not_undo_a_delivery(store: Store) -> None:
    """A slow holder whose lease was taken over reports failure after the new holder posted."""
    slow = await _claim(store)
    [fast] = await store.pending_deliveries(at(3))
    await store.mark_delivered(fast, "1.5", None, now=at(3))
    await store.mark_failed(slow, "timeout", at(4))
    assert await store.pending_deliveries(at(60)) == []


async def test_pending_is_bounded_and_ordered(store: Store) -> None:
    for i in range(5):
        await _claim(store, attempt=str(10 + i))
    first = await store.pending_deliveries(at(3), limit=3)
    rest = await store.pending_deliveries(at(3), limit=3)
    assert [c.attempt_id for c in first] == ["10", "11", "12"]
    assert [c.attempt_id for c in rest] == ["13", "14"]


async def test_times_come_back_in_utc(store: Store) -> None:
    claim = await _claim(store)
    assert claim.claimed_at.utcoffset() == timedelta(0)
    [due] = await store.pending_deliveries(at(3))
    assert due.claimed_at == at(3)
    assert due.claimed_at.utcoffset() == timedelta(0)


async def test_thread_of_a_session(store: Store) -> None:
    assert await store.get_thread("C1", "500") is None
    first = await store.set_thread(
        "C1", "500", "1.1", status="error", attempt_id="900", project="etl", workflow="daily"
    )
    assert (first.parent_ts, first.status, first.attempt_id) == ("1.1", "error", "900")
    # A retry of the session fails again, then succeeds: the parent stays.
    later = await store.set_thread(
        "C1",
        "500",
        "9.9",
        status="success",
        attempt_id="901",
        project="etl",
        workflow="daily",
        now=at(5),
    )
    assert (later.parent_ts, later.status, later.attempt_id, later.updated_at) == (
        "1.1",
        "success",
        "901",
        at(5),
    )
    assert await store.get_thread("C1", "500") == later
    assert await store.thread_by_ts("C1", "1.1") == later
    assert await store.thread_by_ts("C2", "1.1") is None
    assert await store.get_thread("C2", "500") is None
