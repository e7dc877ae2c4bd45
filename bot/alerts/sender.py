"""Talking to one surface on delivery's behalf: paced, rate limits honoured, lookups.

Delivery, I'm on it and escalation send through one ``Sender``, so each call
waits its channel's turn (``ChannelPacer``), a 429 is retried in place when the
wait is short, and anything longer stops the channel for this poll
(``ChannelStop``) rather than blocking the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.alerts.pacing import ChannelPacer
from bot.message import Message
from bot.notify import Notifier, NotifyError, NotifyRateLimited
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryConfig:
    retry_base: float = 30.0  # seconds before the first retry of a failed post
    retry_cap: float = 3600.0
    max_tries: int = 20  # then the claim is given up (logged as an error)
    max_tries_permanent: int = 5  # for errors such as channel_not_found
    rate_limit_rounds: int = 3  # posts retried in the same poll after a 429
    max_inline_wait: float = 5.0  # longer Retry-After: retry on a later poll


class ChannelStop(Exception):
    """Nothing more goes to this channel in this poll.

    The claims left are retried after ``delay`` seconds, or, when the surface
    refused the channel (``error``), after each claim's own backoff.
    """

    def __init__(self, reason: str, *, delay: float, error: NotifyError | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.error = error


class Sender:
    def __init__(
        self,
        notifier: Notifier,
        pacer: ChannelPacer,
        config: DeliveryConfig,
        metrics: Metrics | None = None,
    ) -> None:
        self.notifier = notifier
        self._pacer = pacer
        self._config = config
        self._metrics = metrics

    async def post(
        self, channel: str, message: Message, thread_ts: str | None, marks: list[str]
    ) -> str:
        """Post within the channel's pace; raises ``ChannelStop`` when the surface says wait.

        A ``NotifyError`` that concerns only this message (content refused even
        as plain text) is raised as is.
        """
        if thread_ts is not None and not self.notifier.capabilities.threads:
            thread_ts = None  # the surface has no threads: the reply stands alone
        for _ in range(self._config.rate_limit_rounds):
            await self._pacer.acquire(channel)
            try:
                return await self.notifier.post(channel, message, thread=thread_ts, marks=marks)
            except NotifyRateLimited as exc:
                self._wait(channel, exc)
            except NotifyError as exc:
                if exc.content_rejected:
                    raise
                raise ChannelStop(str(exc), delay=self._config.retry_base, error=exc) from exc
        raise ChannelStop("still rate limited", delay=self._config.max_inline_wait)

    async def update(self, channel: str, ts: str, message: Message) -> None:
        for _ in range(self._config.rate_limit_rounds):
            await self._pacer.acquire(channel)
            try:
                await self.notifier.update(channel, ts, message)
                self.count("update")
                return
            except NotifyRateLimited as exc:
                self._wait(channel, exc)
            except NotifyError as exc:
                raise ChannelStop(str(exc), delay=self._config.retry_base, error=exc) from exc
        raise ChannelStop("still rate limited", delay=self._config.max_inline_wait)

    async def find(
        self, channel: str, mark: str, thread: str | None, oldest: datetime
    ) -> str | None:
        """Where a message marked ``mark`` was posted, if it was (None where unfindable)."""
        if not self.notifier.capabilities.findable:
            log.warning(
                "%s cannot find earlier posts: %s to %s is posted again and may be a repeat",
                self.notifier.surface,
                mark,
                channel,
            )
            return None
        try:
            return await self.notifier.find_marked(channel, mark, thread=thread, oldest=oldest)
        except NotifyRateLimited as exc:
            self._pacer.pause(channel, exc.retry_after)
            raise rate_stop(exc) from exc
        except NotifyError as exc:
            # Unknown whether it was posted: posting now could repeat it.
            reason = f"cannot check for an earlier post: {exc}"
            raise ChannelStop(reason, delay=self._config.retry_base) from exc

    def count(self, kind: str) -> None:
        if self._metrics is not None:
            self._metrics.alerts_posted.labels(kind).inc()

    def _wait(self, channel: str, exc: NotifyRateLimited) -> None:
        self._pacer.pause(channel, exc.retry_after)
        if exc.retry_after > self._config.max_inline_wait:
            raise rate_stop(exc) from exc


def rate_stop(exc: NotifyRateLimited) -> ChannelStop:
    return ChannelStop(f"rate limited for {exc.retry_after:g}s", delay=exc.retry_after)
