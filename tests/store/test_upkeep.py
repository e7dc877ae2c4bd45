"""Retention: old deliveries and audit rows go, anything still due stays; the ping answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bot.store import ActionKind, AlertKind, Claim, Pruned, Store
from bot.store.engine import create_engine
from bot.store.upkeep import SEEN_EVENTS_KEPT, prune_statements
from tests.store.helpers import T0

DAY = timedelta(days=1)
RETENTION = 30 * DAY


async def _claim(store: Store, attempt: str, days_ago: int) -> Claim:
    claim = await store.claim_alert(
        "C1", attempt, "500", "etl", "daily", AlertKind.FAILURE, now=T0 - days_ago * DAY
    )
    assert claim is not None
    return claim


async def _action(store: Store, key: str, days_ago: int) -> None:
    assert await store.claim_action(
        key, user_id="U1", action=ActionKind.RETRY, target_id=key, now=T0 - days_ago * DAY
    )


async def test_prune_drops_old_finished_rows_and_keeps_the_rest(store: Store) -> None:
    delivered_old = await _claim(store, "1", days_ago=40)
    await store.mark_delivered(delivered_old, "1.1", now=T0 - 40 * DAY)
    delivered_recent = await _claim(store, "2", days_ago=10)
    await store.mark_delivered(delivered_recent, "2.1", now=T0 - 10 * DAY)
    await store.mark_failed(await _claim(store, "3", days_ago=40), "gave up", next_try_at=None)
    await store.mark_failed(await _claim(store, "4", days_ago=40), "429", next_try_at=T0)
    await _claim(store, "5", days_ago=40)  # claimed, never confirmed: still due
    await _action(store, "old", days_ago=40)
    await _action(store, "recent", days_ago=10)
    seen = store.seen_events
    assert await seen.first_time("Ev-old", now=T0 - SEEN_EVENTS_KEPT - DAY)
    assert await seen.first_time("Ev-new", now=T0)
    limits = store.rate_limits
    await limits.take("U-idle", interval=timedelta(seconds=6), burst=1, now=T0 - DAY)
    await limits.take("U-busy", interval=timedelta(seconds=6), burst=1, now=T0)
    for attempt, days_ago in (("7", 40), ("8", 40), ("9", 10)):
        await store.add_watch(
            attempt, channel_id="C1", thread_ts=None, started_by="U1", now=T0 - days_ago * DAY
        )
    [posted_long_ago, still_open, posted_lately] = await store.open_watches()
    await store.watch_posted(posted_long_ago.id, now=T0 - 40 * DAY)
    await store.watch_posted(posted_lately.id, now=T0 - 10 * DAY)

    assert await store.upkeep.prune(RETENTION, now=T0) == Pruned(
        deliveries=2, actions=1, events=1, rate_limits=1, watches=1
    )
    assert [w.attempt_id for w in await store.open_watches()] == [still_open.attempt_id]

    # What is due is still delivered, the rest is as before.
    assert sorted(c.attempt_id for c in await store.pending_deliveries(T0)) == ["4", "5"]
    for attempt in "245":
        again = await store.claim_alert("C1", attempt, "500", "etl", "daily", AlertKind.FAILURE)
        assert again is None
    assert [a.key for a in await store.actions()] == ["recent"]
    assert not await seen.first_time("Ev-new", now=T0)
    assert await seen.first_time("Ev-old", now=T0)  # forgotten, long after Slack stopped retrying
    busy = await limits.take("U-busy", interval=timedelta(seconds=6), burst=1, now=T0)
    assert busy > timedelta(0)
    assert await store.upkeep.prune(RETENTION, now=T0) == Pruned(0, 0, 0, 0)


async def test_every_prune_searches_an_index(tmp_path: Path) -> None:
    """SQLite's plan names the index (PostgreSQL plans by table size, so SQLite is the witness)."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    async with await Store.open(url):
        pass  # migrated
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            for name, statement in prune_statements(T0, T0 - RETENTION).items():
                compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
                plan = (await conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
                steps = [str(row[-1]) for row in plan]
                reads = [step for step in steps if step.startswith(("SEARCH", "SCAN"))]
                assert reads, (name, steps)
                assert all(step.startswith("SEARCH") and "INDEX" in step for step in reads), (
                    name,
                    steps,
                )
    finally:
        await engine.dispose()


async def test_ping_answers_while_the_database_does(store: Store) -> None:
    await store.upkeep.ping()
