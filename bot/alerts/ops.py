"""The alert path watching itself: the operators' channel hears when it breaks and mends.

Alerting tools lose weeks of alerts to a revoked key nobody noticed. So when
TD refuses the poller's key (401/403), or polls keep failing for
``broken_after``, the bot says so once in the operators' channel, and again
when a poll works. The state lives in the store, so a restart or another
replica taking over the poll neither repeats nor forgets it; if the store
itself is what failed, the state this process last knew stands in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.notify import Notifier, NotifyError
from bot.present.ops import alert_path_broken, alert_path_recovered
from bot.store import Store
from bot.td.errors import Forbidden, TDError, Unauthorized

log = logging.getLogger(__name__)

STATE_KEY = "tdbot.alert_path"
BROKEN_AFTER = timedelta(minutes=10)
_OK = "ok"
_FAILING = "failing"  # since a time; not said yet
_BROKEN = "broken"  # since a time; said in the operators' channel


class AlertPathWatch:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        channel: str,
        *,
        clock: Callable[[], datetime],
        broken_after: timedelta = BROKEN_AFTER,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._channel = channel
        self._clock = clock
        self._broken_after = broken_after
        # The last state read or written: (word, since).
        self._known: tuple[str, datetime | None] = (_OK, None)

    async def failed(self, error: BaseException) -> None:
        now = self._clock()
        word, since = await self._state()
        if word == _BROKEN:
            return
        since = since or now
        refused = isinstance(error, Unauthorized | Forbidden)
        if not refused and now - since < self._broken_after:
            if word != _FAILING:
                await self._set(_FAILING, since)
            return
        reason = _reason(error, now - since)
        await self._set(_BROKEN, since)  # first, so a crash after the post cannot repeat it
        try:
            await self._notifier.post(self._channel, alert_path_broken(reason, since))
        except NotifyError as exc:
            log.error("could not tell %s that the alert path broke: %s", self._channel, exc)
            await self._set(_FAILING, since)  # so the next failed poll tries again

    async def succeeded(self) -> None:
        word, since = await self._state()
        if word == _OK:
            return
        if word == _BROKEN and since is not None:
            try:
                await self._notifier.post(self._channel, alert_path_recovered(since, self._clock()))
            except NotifyError as exc:
                log.error("could not tell %s that alerts work again: %s", self._channel, exc)
                return  # still broken as far as the channel knows: the next poll tries again
        await self._set(_OK, None)

    async def _state(self) -> tuple[str, datetime | None]:
        try:
            raw = await self._store.get_cursor(STATE_KEY)
        except Exception as exc:  # the store may be what broke the polls
            log.warning("alert path state unreadable, using this process's: %s", exc)
            return self._known
        if not raw:
            return (_OK, None)
        word, _, when = raw.partition(" ")
        self._known = (word, datetime.fromisoformat(when) if when else None)
        return self._known

    async def _set(self, word: str, since: datetime | None) -> None:
        self._known = (word, since)
        value = word if since is None else f"{word} {since.isoformat()}"
        try:
            await self._store.set_cursor(STATE_KEY, value)
        except Exception as exc:
            log.warning("alert path state not stored, kept in this process: %s", exc)


def _reason(error: BaseException, failing_for: timedelta) -> str:
    if isinstance(error, Unauthorized):
        return "TD rejects tdbot's API key (401): check TD_API_KEY; it may have been revoked."
    if isinstance(error, Forbidden):
        return "TD refuses tdbot's API key access (403): the key lacks a permission it needs."
    minutes = round(failing_for.total_seconds() / 60)
    what = "TD" if isinstance(error, TDError) else "tdbot (its database, or a bug)"
    return f"Every poll for {minutes} minutes has failed; the last error came from {what}: {error}"
