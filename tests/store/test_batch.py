"""Group commit: concurrent calls share writes, results go back in order, failures to
every call of their batch, and a cancelled caller harms no other."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.batch import GroupCommit


class Writer:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.gate = asyncio.Event()

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        await self.gate.wait()
        if self.fail_on in items:
            raise RuntimeError(f"refused {self.fail_on}")
        return [item * 10 for item in items]


async def test_calls_during_a_write_share_the_next_one() -> None:
    writer = Writer()
    group = GroupCommit(writer)
    calls = [asyncio.create_task(group(i)) for i in range(5)]
    await asyncio.sleep(0)  # the first write starts with what has arrived so far
    later = [asyncio.create_task(group(i)) for i in range(5, 8)]
    await asyncio.sleep(0)
    writer.gate.set()
    assert await asyncio.gather(*calls, *later) == [i * 10 for i in range(8)]
    assert writer.batches == [[0, 1, 2, 3, 4], [5, 6, 7]]


async def test_a_failed_write_fails_its_batch_only() -> None:
    writer = Writer(fail_on=1)
    group = GroupCommit(writer)
    first = [asyncio.create_task(group(i)) for i in range(3)]
    await asyncio.sleep(0)
    second = asyncio.create_task(group(7))
    writer.gate.set()
    for call in first:
        with pytest.raises(RuntimeError, match="refused 1"):
            await call
    assert await second == 70


async def test_a_cancelled_caller_leaves_the_others_their_results() -> None:
    writer = Writer()
    group = GroupCommit(writer)
    calls = [asyncio.create_task(group(i)) for i in range(3)]
    await asyncio.sleep(0)
    calls[1].cancel()
    writer.gate.set()
    assert await calls[0] == 0 and await calls[2] == 20
    with pytest.raises(asyncio.CancelledError):
        await calls[1]
    assert await group(4) == 40  # and the group goes on
