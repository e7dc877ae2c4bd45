"""Work that outlives a Slack request: answered after the 3-second ack.

asyncio keeps only weak references to tasks, so a fire-and-forget task can be
collected mid-flight; this set holds them until they finish, logs what they
raise (nobody awaits them), and lets shutdown wait for answers in progress.

At most ``max_running`` run at once: a burst of commands then queues here
instead of flooding TD's connection pool, and the event loop stays free to
ack new requests within milliseconds.

Acks come first: while Slack requests are being acked (``acking``), answers do
not start and pause between their steps (``after_acks``), for at most
``ACK_FIRST_WAIT`` each time. An ack is a fraction of a millisecond of CPU but
all acks in flight share one loop, so every answer step run in between (TD
reply parsing, rendering, sending: about 1.5 ms a command) adds to each of
their latencies; an answer has 30 minutes and loses only that burst's length.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from typing import Any

log = logging.getLogger("bot.slack")

# The longest an answer step waits for acks: a steady stream of requests must not
# starve the answers.
ACK_FIRST_WAIT = 0.5


class BackgroundTasks:
    def __init__(self, max_running: int = 16, *, ack_first_wait: float = ACK_FIRST_WAIT) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(max_running)
        self._acking = 0
        self._acked = asyncio.Event()
        self._acked.set()
        self._ack_first_wait = ack_first_wait

    @contextlib.contextmanager
    def acking(self) -> Iterator[None]:
        """Around a Slack request's handling up to its ack: answers wait meanwhile."""
        self._acking += 1
        self._acked.clear()
        try:
            yield
        finally:
            self._acking -= 1
            if not self._acking:
                self._acked.set()

    async def after_acks(self) -> None:
        """Wait (bounded) until no Slack request is being acked; between answer steps."""
        if not self._acking:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._ack_first_wait):
                await self._acked.wait()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(
        self, work: Coroutine[Any, Any, None], *, name: str, bounded: bool = True
    ) -> asyncio.Task[None]:
        """Run ``work`` in the background; ``bounded=False`` for work that mostly waits
        (following a kill for minutes), which must not hold a slot answers need."""
        task = asyncio.create_task(self._bounded(work) if bounded else work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    async def _bounded(self, work: Coroutine[Any, Any, None]) -> None:
        async with self._slots:
            await self.after_acks()
            await work

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("background task %s failed", task.get_name(), exc_info=error)

    async def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for running work, then cancel the rest."""
        if not self._tasks:
            return
        pending = set(self._tasks)
        _, still_running = await asyncio.wait(pending, timeout=grace)
        for task in still_running:
            task.cancel()
        if still_running:
            log.warning("cancelled %d unfinished answers at shutdown", len(still_running))
            await asyncio.wait(still_running)
