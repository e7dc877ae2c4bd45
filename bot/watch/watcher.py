"""The watcher: each tick, the open watches whose attempt has ended get their outcome posted.

A retry or backfill started from Slack leaves a watch in the store
(``Store.add_watch``). Each tick reads the attempts of the open watches; an
ended one is claimed (one replica wins), its outcome posted in the thread it
was started from (success with its duration, or the new failure with its
diagnosis), then recorded as posted. A post whose claim was taken before (its
poster may have died after posting) is looked for by its mark first where the
surface can find it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.diagnosis import diagnose_attempt
from bot.message import Message
from bot.notify import Notifier, NotifyError
from bot.present.actions import watched_gone, watched_success
from bot.present.diagnosis import diagnosis_message
from bot.store import OutcomeWatch, Store
from bot.td import TDClient, errors
from bot.td.models import Attempt, AttemptStatus

log = logging.getLogger("bot.watch")

WATCH_EVERY = 30.0  # seconds between ticks
LEASE = timedelta(minutes=5)  # a claim older than this is taken again
GIVE_UP_AFTER = timedelta(days=3)  # an attempt not ended by then is no longer watched
_MARK = "tdbot-watch-"


class Watcher:
    def __init__(self, td: TDClient, store: Store, notifier: Notifier, *, console: str) -> None:
        self._td = td
        self._store = store
        self._notifier = notifier
        self._console = console

    async def __call__(self) -> None:
        """The scheduled tick: one replica at a time reads TD (the claims keep it once anyway)."""
        try:
            async with self._store.leader_lock("watches") as leader:
                if leader:
                    await self.tick()
        except Exception:
            log.warning(
                "watching started attempts failed; the next tick tries again", exc_info=True
            )

    async def tick(self, now: datetime | None = None) -> int:
        """Post the outcome of every watched attempt that has ended; how many were posted."""
        posted = 0
        for watch in await self._store.open_watches():
            try:
                posted += await self._check(watch, now)
            except errors.TDError as exc:
                log.info("watch of attempt %s: TD read failed (%s)", watch.attempt_id, exc)
        return posted

    async def _check(self, watch: OutcomeWatch, now: datetime | None) -> int:
        try:
            attempt = await self._td.attempt(watch.attempt_id)
        except errors.NotFound:
            # Deleted at TD: it will never end, and reading it again every tick for
            # the three days until the watch is given up helps nobody.
            return await self._post(watch, lambda: _gone(watch), now)
        if not attempt.done:
            if (now or datetime.now(UTC)) - watch.created_at > GIVE_UP_AFTER:
                log.warning("attempt %s did not end in %s: unwatched", attempt.id, GIVE_UP_AFTER)
                await self._store.watch_posted(watch.id, now=now)
            return 0
        return await self._post(watch, lambda: self._outcome(attempt), now)

    async def _post(
        self,
        watch: OutcomeWatch,
        message: Callable[[], Awaitable[Message]],
        now: datetime | None,
    ) -> int:
        """Claim the watch, post ``message()`` once in its thread, record it posted."""
        if not await self._store.claim_watch(watch.id, lease=LEASE, now=now):
            return 0
        mark = f"{_MARK}{watch.id}"
        if watch.claimed_at is not None and await self._found(watch, mark):
            await self._store.watch_posted(watch.id, now=now)
            return 0
        try:
            await self._notifier.post(
                watch.channel_id, await message(), thread=watch.thread_ts, marks=(mark,)
            )
        except NotifyError as exc:
            if not exc.permanent:
                return 0  # the claim lapses and a later tick tries again
            log.warning("outcome of attempt %s cannot be posted: %s", watch.attempt_id, exc.error)
        await self._store.watch_posted(watch.id, now=now)
        return 1

    async def _outcome(self, attempt: Attempt) -> Message:
        if attempt.status is AttemptStatus.SUCCESS:
            return watched_success(attempt)
        found = await diagnose_attempt(self._td, attempt.id, console_base=self._console)
        return diagnosis_message(found, self._console)

    async def _found(self, watch: OutcomeWatch, mark: str) -> bool:
        if not self._notifier.capabilities.findable:
            log.info("watch %s: a post may repeat (the surface cannot look it up)", watch.id)
            return False
        try:
            ref = await self._notifier.find_marked(
                watch.channel_id, mark, thread=watch.thread_ts, oldest=watch.created_at
            )
        except NotifyError:
            return False
        return ref is not None


async def _gone(watch: OutcomeWatch) -> Message:
    return watched_gone(watch.attempt_id)
