"""Work that outlives a Slack request: answered after the 3-second ack.

asyncio keeps only weak references to tasks, so a fire-and-forget task can be
collected mid-flight; this set holds them until they finish, logs what they
raise (nobody awaits them), and lets shutdown wait for answers in progress.

At most ``max_running`` run at once: a burst of commands then queues here
instead of flooding TD's connection pool, and the event loop stays free to
ack new requests within milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("bot.slack")


class BackgroundTasks:
    def __init__(self, max_running: int = 16) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(max_running)

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
