"""The small async helpers every layer uses: a first-error task group, bounded maps.

``asyncio.gather`` keeps the siblings of a failed call running (they outlive the
answer and may hit a closed client); a TaskGroup cancels them. The first error
is re-raised as itself, so callers catch ``TDError`` (or ``NotFound``) as
usual rather than an ``ExceptionGroup``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")
T = TypeVar("T")
R = TypeVar("R")


@asynccontextmanager
async def first_error_group() -> AsyncIterator[asyncio.TaskGroup]:
    """A TaskGroup that, on the first failure, cancels the rest and raises that error."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


async def gather_all(aws: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run all at once; results in order; the first error cancels the rest."""
    async with first_error_group() as group:
        running = [group.create_task(aw) for aw in aws]
    return [task.result() for task in running]


async def both(first: Coroutine[Any, Any, A], second: Coroutine[Any, Any, B]) -> tuple[A, B]:
    async with first_error_group() as group:
        one = group.create_task(first)
        two = group.create_task(second)
    return one.result(), two.result()


async def bounded_map(fn: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int) -> list[R]:
    """``fn`` over ``items``, at most ``limit`` at a time, results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await fn(item)

    return await gather_all(one(item) for item in items)
