"""Group commit: calls that arrive while a write is in flight share the next transaction.

Fifty slash commands at once each record a row before their ack. One transaction
apiece queue behind each other (SQLite takes one writer; PostgreSQL pays a round trip
per commit), so the last ack waits for all the others. Here the first call writes at
once, alone; the calls that come while it runs are written together as soon as it
ends, and so on, so each waits for at most two transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """``await group(item)`` is ``(await write([item]))[0]``, with items of concurrent
    callers written by one ``write`` call (one result per item, in order). A failed
    write fails every call of its batch."""

    def __init__(self, write: Callable[[list[T]], Awaitable[Sequence[R]]]) -> None:
        self._write = write
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    results = await self._write([item for item, _ in batch])
                except Exception as exc:  # each caller handles its own failure
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except BaseException:  # cancelled: so are the calls it was writing
                    for _, future in batch:
                        future.cancel()
                    raise
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():  # its caller may have been cancelled
                        future.set_result(result)
        finally:
            self._writer = None
            for _, future in self._queue:  # left only when the drain was cancelled
                future.cancel()
            self._queue = []
