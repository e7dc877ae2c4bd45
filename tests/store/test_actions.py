"""Retry and kill: one action per key, and an audit trail of who did what."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import ActionKind, ActionState, Store
from tests.store.helpers import T0, at


async def test_a_double_click_is_refused(store: Store) -> None:
    assert await store.claim_action(
        "retry:900",
        user_id="U1",
        action=ActionKind.RETRY,
        target_id="900",
        channel_id="C1",
        thread_ts="1.1",
    )
    assert not await store.claim_action(
        "retry:900", user_id="U2", action=ActionKind.RETRY, target_id="900"
    )
    [record] = await store.actions()
    assert (record.user_id, record.state, record.created_at) == ("U1", ActionState.STARTED, T0)


async def test_concurrent_clicks_start_one_action(store_url: str) -> None:
    stores = [await Store.open(store_url) for _ in range(3)]
    try:
        won = await asyncio.gather(
            *(
                s.claim_action("kill:77", user_id=u, action=ActionKind.KILL, target_id="77")
                for s in stores
                for u in ("U1", "U2")
            )
        )
    finally:
        for s in stores:
            await s.close()
    assert sorted(won) == [False] * 5 + [True]


async def test_finish_records_the_outcome(store: Store) -> None:
    await store.claim_action("kill_job:5", user_id="U1", action=ActionKind.KILL_JOB, target_id="5")
    await store.finish_action("kill_job:5", ok=False, outcome="job already finished", now=at(1))
    [record] = await store.actions(target_id="5")
    assert (record.state, record.outcome, record.finished_at) == (
        ActionState.FAILED,
        "job already finished",
        at(1),
    )
    with pytest.raises(LookupError):
        await store.finish_action("kill_job:5", ok=True, outcome="again")
    with pytest.raises(LookupError):
        await store.finish_action("never-claimed", ok=True, outcome="x")


async def test_audit_is_newest_first_and_filterable(store: Store) -> None:
    for i, (user, channel) in enumerate([("U1", "C1"), ("U2", "C1"), ("U1", "C2")]):
        await store.claim_action(
            f"retry:{i}",
            user_id=user,
            action=ActionKind.RETRY,
            target_id=str(i),
            channel_id=channel,
            now=at(i),
        )
    await store.finish_action("retry:0", ok=True, outcome="attempt 1001 started", now=at(5))
    assert [a.key for a in await store.actions()] == ["retry:2", "retry:1", "retry:0"]
    assert [a.key for a in await store.actions(user_id="U1")] == ["retry:2", "retry:0"]
    assert [a.key for a in await store.actions(channel_id="C1")] == ["retry:1", "retry:0"]
    assert [a.key for a in await store.actions(limit=1)] == ["retry:2"]
    done = await store.actions(target_id="0")
    assert [(a.state, a.outcome) for a in done] == [(ActionState.SUCCEEDED, "attempt 1001 started")]
