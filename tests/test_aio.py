"""``both``: concurrent, and a failure neither leaks a running sibling nor hides its type."""

from __future__ import annotations

import asyncio

import pytest

from bot.aio import both
from bot.td.errors import NotFound


async def test_runs_both_at_once() -> None:
    async def after(seconds: float, value: str) -> str:
        await asyncio.sleep(seconds)
        return value

    started = asyncio.get_running_loop().time()
    assert await both(after(0.1, "a"), after(0.1, "b")) == ("a", "b")
    assert asyncio.get_running_loop().time() - started < 0.19


async def test_first_failure_cancels_the_other_and_is_raised_as_itself() -> None:
    sibling_cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            sibling_cancelled.set()
            raise

    async def missing() -> None:
        raise NotFound("no", status=404, method="GET", path="/api/attempts/{id}")

    with pytest.raises(NotFound):
        await both(missing(), slow())
    assert sibling_cancelled.is_set()
