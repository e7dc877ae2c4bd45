"""The poll loop: APScheduler 3.x running ``Poller.tick`` on the bot's event loop.

The memory job store is the right one (slack-and-friends.md 5): every replica
schedules its own poll and the store's leader lock picks who polls. A poll
that overruns makes the next tick a misfire, which ``coalesce`` folds into one
run and ``max_instances=1`` keeps from overlapping.

Every job (the poll, housekeeping, cron) runs as a task of its own that ``stop``
lets finish within its grace: APScheduler's own shutdown would cancel a job
mid-transaction, leaving its store connection to the loop's teardown.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

JOB_ID = "tdbot-alert-poll"
FIRST_RUN_WITHIN = 60.0  # seconds from adding a housekeeping job to its first run


class Tickable(Protocol):
    async def tick(self) -> None: ...


class AlertScheduler:
    """Runs ``poller.tick()`` (a ``Poller``) now and then every ``interval`` seconds."""

    def __init__(self, poller: Tickable, *, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the poll interval must be positive")
        self._poller = poller
        self._interval = interval
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = False

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Start polling now and every interval; call from inside the running loop."""
        asyncio.get_running_loop()  # fails loudly outside a loop, as APScheduler 3.11 would
        self._scheduler.add_job(
            self._run,
            "interval",
            seconds=self._interval,
            id=JOB_ID,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, math.ceil(self._interval)),
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    def every(self, seconds: float, job: Callable[[], Awaitable[None]], *, job_id: str) -> None:
        """Also run ``job`` every ``seconds`` (housekeeping such as the retention prune).

        The first run comes a minute after the job is added (sooner for a shorter
        interval), so replicas that restart more often than the interval still
        run it; ``stop`` lets a run in progress finish within its grace.
        """
        if seconds <= 0:
            raise ValueError("the interval must be positive")
        self._scheduler.add_job(
            self._runner(job),
            "interval",
            seconds=seconds,
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, math.ceil(seconds)),
            next_run_time=datetime.now(UTC) + timedelta(seconds=min(seconds, FIRST_RUN_WITHIN)),
        )

    def cron(
        self,
        job: Callable[[], Awaitable[object]],
        fields: Mapping[str, int | str],
        *,
        job_id: str,
        timezone: str,
        misfire_grace: float = 3600.0,
    ) -> None:
        """Also run ``job`` at the cron ``fields`` (``hour=9, minute=0``) in ``timezone``.

        A replica busy at that moment still runs it within ``misfire_grace`` seconds.
        """

        self._scheduler.add_job(
            self._runner(job),
            "cron",
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, math.ceil(misfire_grace)),
            timezone=timezone,
            **fields,
        )

    async def stop(self, grace: float = 10.0) -> None:
        """No new runs; give the ones in progress ``grace`` seconds, then cancel them."""
        if not self._scheduler.running:
            return
        self._stopping = True
        self._scheduler.pause()
        running = [task for task in self._running if not task.done()]
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            if late:
                log.warning("%d scheduled job(s) outlasted %.0fs; cancelling", len(late), grace)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
        # APScheduler's asyncio executor cancels the jobs still running when it
        # shuts down: let the wrappers around the finished runs return first.
        await asyncio.sleep(0)
        self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # shutdown itself runs on the loop

    async def _run(self) -> None:
        await self._runner(self._poller.tick)()

    def _runner(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        """The coroutine function APScheduler runs for ``job``.

        APScheduler sends only what it sees to be a coroutine function to the loop
        (an object with an async ``__call__`` would go to a thread, unawaited).
        """

        async def run() -> None:
            if self._stopping:
                return  # started just before stop(): no new run
            task: asyncio.Task[object] = asyncio.ensure_future(job())
            self._running.add(task)
            try:
                # Waited for, not awaited: a run cancelled by stop() ends this quietly.
                await asyncio.wait([task])
            finally:
                self._running.discard(task)
            if not task.cancelled():
                task.result()  # a job's error goes to APScheduler, which logs it

        return run
