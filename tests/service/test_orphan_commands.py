"""A slash command acked by a replica that died before answering is answered by another."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from bot.store import Store, tables, wall_clock
from tests.service.harness import CHANNEL, USER, Running, texts


async def pending(store: Store) -> int:
    [row] = await store.database.rows(select(func.count()).select_from(tables.pending_commands))
    return int(row[0])


async def until_none_pending(store: Store) -> None:
    async with asyncio.timeout(10):  # the row goes just after the answer is sent
        while await pending(store):
            await asyncio.sleep(0.02)


async def test_a_command_whose_replica_died_is_answered_once_by_another(
    bot: Running, sandbox: Sandbox
) -> None:
    store = bot.service.store
    hook = "/hooks/orphan"
    [job] = [j for j in await bot.service.td.jobs(limit=1)]
    # What a replica leaves when it is killed between its ack and its answer.
    long_ago = wall_clock() - timedelta(minutes=5)
    await store.pending_commands.add(
        bot.slack.base_url + hook,
        f"job {job.job_id}",
        user_id=USER,
        channel_id=CHANNEL,
        now=long_ago,
    )
    await bot.service.bot.answer_orphans()
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    assert f"Job {job.job_id}" in texts(answer)
    await until_none_pending(store)
    await bot.service.bot.answer_orphans()  # answered: nothing left to take
    assert len(bot.slack.calls(hook)) == 1


async def test_a_command_is_kept_until_it_is_answered(bot: Running, sandbox: Sandbox) -> None:
    sandbox.faults.latency = 0.5  # TD is slow: the answer is still on its way after the ack
    try:
        hook = await bot.slash("jobs 3")
        assert await pending(bot.service.store) == 1
    finally:
        sandbox.faults.latency = 0.0
    await bot.slack.wait_for(hook, timeout=15)
    await until_none_pending(bot.service.store)


async def test_a_command_past_slacks_half_hour_is_dropped(bot: Running) -> None:
    store = bot.service.store
    await store.pending_commands.add(
        bot.slack.base_url + "/hooks/late",
        "jobs 3",
        user_id=USER,
        channel_id=CHANNEL,
        now=wall_clock() - timedelta(minutes=31),
    )
    await bot.service.bot.answer_orphans()
    assert bot.slack.calls("/hooks/late") == []
    assert await pending(store) == 0
