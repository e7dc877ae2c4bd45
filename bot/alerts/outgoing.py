"""A claim on its way out: what it carries, what a delivery round reports, when it is retried.

A claim that could not go out now is left for a later poll with a backoff, and
given up (logged as an error) after too many tries; ``Postponer`` decides which.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bot.aio import bounded_map
from bot.alerts.pacing import backoff_seconds
from bot.alerts.sender import ChannelStop, DeliveryConfig
from bot.diagnosis import Diagnosis
from bot.notify import NotifyError
from bot.store import Claim, Store
from bot.td.models import Attempt

log = logging.getLogger("bot.alerts.delivery")


@dataclass(frozen=True)
class Outgoing:
    """A leased claim and what is needed to write its message."""

    claim: Claim
    attempt: Attempt
    diagnosis: Diagnosis | None

    @property
    def maybe_posted(self) -> bool:
        return self.claim.tries > 1


@dataclass
class DeliveryReport:
    posted: int = 0  # messages posted (a digest counts once)
    found: int = 0  # claims found already posted by an earlier holder
    deferred: int = 0  # claims left for a later poll
    escalated: int = 0  # alerts escalated (bot.alerts.escalation)
    delivered: list[Claim] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        """Count ``other``'s round in this one."""
        self.posted += other.posted
        self.found += other.found
        self.deferred += other.deferred
        self.escalated += other.escalated
        self.delivered.extend(other.delivered)


class Claimed(Protocol):
    @property
    def claim(self) -> Claim: ...


C = TypeVar("C", bound=Claimed)


async def per_channel(items: Sequence[C], each: Callable[[str, list[C]], Awaitable[None]]) -> None:
    """Run ``each`` on every channel's items at once: channels are independent, so one
    slow or rate-limited channel holds up no other."""
    by_channel: dict[str, list[C]] = defaultdict(list)
    for item in items:
        by_channel[item.claim.channel_id].append(item)
    await bounded_map(lambda ch: each(ch, by_channel[ch]), list(by_channel), len(by_channel) or 1)


class Postponer:
    def __init__(self, store: Store, config: DeliveryConfig, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._config = config
        self._clock = clock

    async def defer(self, item: Outgoing, reason: str, *, permanent: bool = False) -> None:
        """Leave the claim for a later poll, with backoff; give up after too many tries."""
        await self.defer_claim(item.claim, reason, permanent=permanent)

    async def defer_claim(self, claim: Claim, reason: str, *, permanent: bool = False) -> None:
        limit = self._config.max_tries_permanent if permanent else self._config.max_tries
        delay = None if claim.tries >= limit else self.retry_seconds(claim.tries)
        if delay is None:
            # A failure alert's claim is keyed by its attempt; a silent one by its key.
            log.error(
                "giving up the alert of %s to %s after %d tries: %s",
                claim.attempt_id,
                claim.channel_id,
                claim.tries,
                reason,
            )
        await self._store.mark_failed(claim, reason, self.at(delay))

    async def give_up_or_retry(self, item: Outgoing, exc: NotifyError) -> None:
        await self.refused(item.claim, exc)

    async def refused(self, claim: Claim, exc: NotifyError) -> None:
        """The surface refused the claim's message: retried with backoff, or given up."""
        await self.defer_claim(claim, f"{exc.error}: {exc}", permanent=exc.permanent)

    async def stopped(self, claims: Iterable[Claim], stop: ChannelStop) -> int:
        """The claims left when their channel stopped for this poll; how many."""
        count = 0
        for claim in claims:
            if stop.error is not None:
                await self.refused(claim, stop.error)
            else:
                await self._store.mark_failed(claim, stop.reason, self.at(stop.delay))
            count += 1
        return count

    def retry_seconds(self, tries: int) -> float:
        return backoff_seconds(tries, base=self._config.retry_base, cap=self._config.retry_cap)

    def at(self, delay: float | None) -> datetime | None:
        return None if delay is None else self._clock() + timedelta(seconds=delay)
