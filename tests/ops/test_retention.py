"""The retention prune, run by the bot's scheduler against a real store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.alerts import AlertScheduler
from bot.ops.retention import Retention
from bot.store import ActionKind, AlertKind, Store, wall_clock

DAYS_40 = timedelta(days=40)


class NoPoll:
    async def tick(self) -> None:
        return None


async def test_the_scheduler_prunes_rows_past_the_retention(tmp_path: Path) -> None:
    async with await Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        long_ago = wall_clock() - DAYS_40
        alert = ("C1", "9", "5", "etl", "daily", AlertKind.FAILURE)
        old = await store.claim_alert(*alert, now=long_ago)
        assert old is not None
        await store.mark_delivered(old, "1.1", now=long_ago)
        for key, now in (("old", long_ago), ("new", None)):
            await store.claim_action(
                key, user_id="U1", action=ActionKind.KILL, target_id="9", now=now
            )
        scheduler = AlertScheduler(NoPoll(), interval=3600)
        scheduler.every(0.05, Retention(store, days=30), job_id="test-retention")
        scheduler.start()
        try:
            async with asyncio.timeout(10):
                while [a.key for a in await store.actions()] != ["new"]:
                    await asyncio.sleep(0.05)
        finally:
            await scheduler.stop()
        # The delivery row is gone too: the same claim can be taken again.
        again = await store.claim_alert(*alert)
        assert again is not None


async def test_a_failed_prune_is_logged_and_left_for_the_next_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with await Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        async with store.database.engine.begin() as conn:
            await conn.execute(text("DROP TABLE actions"))  # the prune cannot run now
        await Retention(store, days=30)()
    assert "pruning old rows failed; the next run tries again" in caplog.text


def test_every_refuses_a_nonsense_interval() -> None:
    scheduler = AlertScheduler(NoPoll(), interval=60)
    with pytest.raises(ValueError):
        scheduler.every(0, NoPoll().tick, job_id="x")
