"""Posting claimed alerts exactly once: paced per channel, retried, never repeated.

A claim (``Store.claim_alert``) is taken before anything is posted, and marked
delivered only after the surface answered ok. A claim with ``tries > 1`` was
taken over from a holder that failed or died, possibly after its post went
through but before it could record that; such a claim is first looked for in
the channel by the mark every alert message carries (``Notifier.find_marked``)
and posted only when it is not there. On a surface that cannot find its
messages (``capabilities.findable`` false) that check is impossible: the
claim is posted again, and the log says it may be a repeat. The follow-up writes after a post
(thread record, parent update) are idempotent and run again on takeover, and
``mark_delivered`` always comes last.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.aio import bounded_map
from bot.alerts.diagnoser import Diagnoser
from bot.alerts.pacing import ChannelPacer, backoff_seconds
from bot.alerts.plan import ThreadStatus
from bot.diagnosis import Diagnosis
from bot.message import Message
from bot.notify import Notifier, NotifyError, NotifyRateLimited
from bot.ops.metrics import Metrics
from bot.present.alerts import (
    Recovery,
    digest_messages,
    failure_parent,
    recovery_reply,
    retry_failure_reply,
)
from bot.store import AlertKind, Claim, Store, ThreadRef
from bot.td import TDClient
from bot.td.errors import NotFound, TDError
from bot.td.models import Attempt, AttemptStatus

log = logging.getLogger(__name__)

# Slack and TD clocks differ; a lost post is looked for from a little before
# the attempt finished (an alert cannot be older than its failure).
LOOKUP_SKEW = timedelta(minutes=15)


@dataclass(frozen=True)
class DeliveryConfig:
    retry_base: float = 30.0  # seconds before the first retry of a failed post
    retry_cap: float = 3600.0
    max_tries: int = 20  # then the claim is given up (logged as an error)
    max_tries_permanent: int = 5  # for errors such as channel_not_found
    rate_limit_rounds: int = 3  # posts retried in the same poll after a 429
    max_inline_wait: float = 5.0  # longer Retry-After: retry on a later poll


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
    delivered: list[Claim] = field(default_factory=list)


class _Unknown:
    """The session's thread was not read yet: ``_record`` reads it."""


UNKNOWN = _Unknown()


class _ChannelStop(Exception):
    """Nothing more goes to this channel in this poll.

    The claims left are retried after ``delay`` seconds, or, when the surface
    refused the channel (``error``), after each claim's own backoff.
    """

    def __init__(self, reason: str, *, delay: float, error: NotifyError | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.error = error


class Deliverer:
    def __init__(
        self,
        *,
        td: TDClient,
        store: Store,
        notifier: Notifier,
        diagnoser: Diagnoser,
        pacer: ChannelPacer,
        console: str | None,
        clock: Callable[[], datetime],
        config: DeliveryConfig,
        metrics: Metrics | None = None,
    ) -> None:
        self._td = td
        self._store = store
        self._notifier = notifier
        self._diagnoser = diagnoser
        self._pacer = pacer
        self._console = console
        self._clock = clock
        self._config = config
        self._metrics = metrics

    async def taken_over(self, now: datetime, *, concurrency: int = 8) -> list[Outgoing]:
        """Lease the claims due for another try and load what their messages need."""
        claims = await self._store.pending_deliveries(now)
        loaded = await bounded_map(self._load, claims, concurrency)
        return [o for o in loaded if o is not None]

    async def deliver(self, items: Sequence[Outgoing]) -> DeliveryReport:
        report = DeliveryReport()
        by_channel: dict[str, list[Outgoing]] = defaultdict(list)
        for item in items:
            by_channel[item.claim.channel_id].append(item)
        # Channels are independent: one slow or rate-limited channel holds up no other.
        await bounded_map(
            lambda ch: self._channel(ch, by_channel[ch], report),
            list(by_channel),
            len(by_channel) or 1,
        )
        return report

    # ------------------------------------------------------------ per channel

    async def _channel(self, channel: str, items: list[Outgoing], report: DeliveryReport) -> None:
        digests = [o for o in items if o.claim.kind is AlertKind.DIGEST]
        singles = sorted(
            (o for o in items if o.claim.kind is not AlertKind.DIGEST),
            key=lambda o: int(o.attempt.id),
        )
        blocked: set[str] = set()  # sessions whose earlier alert is not out yet
        done: set[int] = set()  # claim ids settled in this poll
        try:
            if digests:
                blocked |= await self._digests(channel, digests, report, done)
            for item in singles:
                if item.claim.session_id in blocked:
                    await self._defer(item, "an earlier alert of this session is not posted yet")
                    report.deferred += 1
                    done.add(item.claim.id)
                    continue
                if not await self._single(channel, item, report):
                    blocked.add(item.claim.session_id)
                    report.deferred += 1
                done.add(item.claim.id)
        except _ChannelStop as stop:
            log.warning("alerts to %s paused: %s", channel, stop.reason)
            for item in items:
                if item.claim.id in done:
                    continue
                if stop.error is not None:
                    await self._give_up_or_retry(item, stop.error)
                else:
                    await self._store.mark_failed(item.claim, stop.reason, self._at(stop.delay))
                report.deferred += 1

    async def _digests(
        self, channel: str, items: list[Outgoing], report: DeliveryReport, done: set[int]
    ) -> set[str]:
        """Post the digest items; returns the sessions whose alert is not out yet."""
        blocked: set[str] = set()
        ready: list[Outgoing] = []
        for item in items:
            found = await self._find(channel, item) if item.maybe_posted else None
            if found is not None:
                report.found += 1
                if not await self._record(item, *found, report, ThreadStatus.DIGEST):
                    blocked.add(item.claim.session_id)
                done.add(item.claim.id)
            else:
                ready.append(item)
        by_id = {o.attempt.id: o for o in ready}
        for digest in digest_messages([o.attempt for o in ready], console=self._console):
            group = [by_id[a.id] for a in digest.attempts]
            try:
                ts = await self._post(channel, digest.message, None, group)
            except NotifyError as exc:
                for item in group:
                    await self._give_up_or_retry(item, exc)
                    blocked.add(item.claim.session_id)
                    report.deferred += 1
                    done.add(item.claim.id)
                continue
            report.posted += 1
            self._count("digest")
            for item in group:
                # Planned as a new thread; a re-delivered one may have one by now.
                known = UNKNOWN if item.maybe_posted else None
                if not await self._record(item, ts, None, report, ThreadStatus.DIGEST, known):
                    blocked.add(item.claim.session_id)
                done.add(item.claim.id)
        return blocked

    async def _single(self, channel: str, item: Outgoing, report: DeliveryReport) -> bool:
        """Post one alert; False when it had to wait for a later poll."""
        if item.maybe_posted:
            found = await self._find(channel, item)
            if found is not None:
                report.found += 1
                return await self._record(item, *found, report, ThreadStatus.FAILING)
        thread = await self._thread(item)
        parent_status = ThreadStatus.FAILING
        if item.claim.kind is AlertKind.RECOVERY:
            if thread is None:
                await self._defer(item, "the session's alert thread does not exist yet")
                return False
            message = recovery_reply(item.attempt, console=self._console)
            kind = "recovery"
        elif thread is not None:
            message = retry_failure_reply(item.attempt, item.diagnosis, console=self._console)
            kind = "reply"
        else:
            recovered = await self._recovered_since(item) if item.maybe_posted else None
            message = failure_parent(
                item.attempt, item.diagnosis, console=self._console, recovered=recovered
            )
            kind = "failure"
            parent_status = ThreadStatus.FAILING if recovered is None else ThreadStatus.RECOVERED
        thread_ts = thread.parent_ts if thread is not None else None
        try:
            ts = await self._post(channel, message, thread_ts, [item])
        except NotifyError as exc:
            # Only this message was refused: the channel itself is fine.
            await self._give_up_or_retry(item, exc)
            return False
        report.posted += 1
        self._count(kind)
        return await self._record(item, ts, thread_ts, report, parent_status, thread)

    # ------------------------------------------------------------ the steps

    async def _post(
        self, channel: str, message: Message, thread_ts: str | None, items: list[Outgoing]
    ) -> str:
        """Post within the channel's pace; raises ``_ChannelStop`` when the surface says wait.

        A ``NotifyError`` that concerns only this message (content refused even
        as plain text) is raised as is.
        """
        marks = [o.attempt.id for o in items]
        if thread_ts is not None and not self._notifier.capabilities.threads:
            thread_ts = None  # the surface has no threads: the reply stands alone
        for _ in range(self._config.rate_limit_rounds):
            await self._pacer.acquire(channel)
            try:
                return await self._notifier.post(channel, message, thread=thread_ts, marks=marks)
            except NotifyRateLimited as exc:
                self._pacer.pause(channel, exc.retry_after)
                if exc.retry_after > self._config.max_inline_wait:
                    raise _rate_stop(exc) from exc
            except NotifyError as exc:
                if exc.content_rejected:
                    raise
                raise _ChannelStop(str(exc), delay=self._config.retry_base, error=exc) from exc
        raise _ChannelStop("still rate limited", delay=self._config.max_inline_wait)

    async def _record(
        self,
        item: Outgoing,
        ts: str,
        thread_ts: str | None,
        report: DeliveryReport,
        parent_status: ThreadStatus,
        thread: ThreadRef | _Unknown | None = UNKNOWN,
    ) -> bool:
        """Record what the post means; safe to run again for the same post.

        False when a follow-up failed: the claim stays undelivered, and the
        next holder finds the post and runs this again.
        """
        claim = item.claim
        if isinstance(thread, _Unknown):
            thread = await self._store.get_thread(claim.channel_id, claim.session_id)
        try:
            if claim.kind is AlertKind.RECOVERY:
                if thread is not None:
                    await self._mark_recovered(thread, item.attempt)
            elif thread_ts is None:
                if thread is None:  # the first parent of a session stays its parent
                    await self._set_thread(claim, ts, parent_status, item.attempt.id)
            else:
                digest = thread is not None and ThreadStatus.of(thread).digest
                status = ThreadStatus.DIGEST if digest else ThreadStatus.FAILING
                await self._set_thread(claim, thread_ts, status, item.attempt.id)
        except TDError as exc:
            await self._defer(item, f"posted, but the follow-up failed: {exc}")
            return False
        await self._store.mark_delivered(claim, ts, thread_ts)
        report.delivered.append(claim)
        return True

    async def _mark_recovered(self, thread: ThreadRef, success: Attempt) -> None:
        status = ThreadStatus.of(thread)
        if status is ThreadStatus.FAILING and self._notifier.capabilities.updates:
            # The parent is rewritten before the status records it, so a crash
            # in between repeats the (idempotent) update rather than skipping it.
            failed = await self._td.attempt(thread.attempt_id)
            diagnosis = await self._diagnoser.one(failed.id)
            message = failure_parent(
                failed, diagnosis, console=self._console, recovered=Recovery(success)
            )
            await self._update(thread.channel_id, thread.parent_ts, message)
        if status.failing:
            recovered = ThreadStatus.DIGEST_RECOVERED if status.digest else ThreadStatus.RECOVERED
            await self._store.set_thread(
                thread.channel_id,
                thread.session_id,
                thread.parent_ts,
                status=recovered.value,
                attempt_id=thread.attempt_id,
                project=thread.project,
                workflow=thread.workflow,
            )

    async def _update(self, channel: str, ts: str, message: Message) -> None:
        for _ in range(self._config.rate_limit_rounds):
            await self._pacer.acquire(channel)
            try:
                await self._notifier.update(channel, ts, message)
                self._count("update")
                return
            except NotifyRateLimited as exc:
                self._pacer.pause(channel, exc.retry_after)
                if exc.retry_after > self._config.max_inline_wait:
                    raise _rate_stop(exc) from exc
            except NotifyError as exc:
                raise _ChannelStop(str(exc), delay=self._config.retry_base, error=exc) from exc
        raise _ChannelStop("still rate limited", delay=self._config.max_inline_wait)

    async def _thread(self, item: Outgoing) -> ThreadRef | None:
        if item.attempt.index == 1 and not item.maybe_posted:
            return None  # a session's first attempt: nothing of the session was posted
        return await self._store.get_thread(item.claim.channel_id, item.claim.session_id)

    async def _set_thread(
        self, claim: Claim, parent_ts: str, status: ThreadStatus, attempt_id: str
    ) -> None:
        await self._store.set_thread(
            claim.channel_id,
            claim.session_id,
            parent_ts,
            status=status.value,
            attempt_id=attempt_id,
            project=claim.project,
            workflow=claim.workflow,
        )

    async def _find(self, channel: str, item: Outgoing) -> tuple[str, str | None] | None:
        """Where an earlier holder posted this claim's message, if it did."""
        if not self._notifier.capabilities.findable:
            log.warning(
                "%s cannot find earlier posts: the alert of attempt %s to %s is posted "
                "again and may be a repeat",
                self._notifier.surface,
                item.attempt.id,
                channel,
            )
            return None
        attempt = item.attempt
        since = (
            attempt.finished_at or attempt.created_at or item.claim.claimed_at - timedelta(days=1)
        )
        oldest = since - LOOKUP_SKEW
        mark = attempt.id
        thread = await self._store.get_thread(channel, item.claim.session_id)
        try:
            if thread is not None:
                ts = await self._notifier.find_marked(
                    channel, mark, thread=thread.parent_ts, oldest=oldest
                )
                if ts is not None:
                    return (ts, None) if ts == thread.parent_ts else (ts, thread.parent_ts)
            ts = await self._notifier.find_marked(channel, mark, thread=None, oldest=oldest)
        except NotifyRateLimited as exc:
            self._pacer.pause(channel, exc.retry_after)
            raise _rate_stop(exc) from exc
        except NotifyError as exc:
            # Unknown whether it was posted: posting now could repeat it.
            reason = f"cannot check for an earlier post: {exc}"
            raise _ChannelStop(reason, delay=self._config.retry_base) from exc
        return (ts, None) if ts is not None else None

    async def _recovered_since(self, item: Outgoing) -> Recovery | None:
        """A later attempt of the session that succeeded (for alerts posted late)."""
        try:
            attempts = await self._td.session_attempts(item.claim.session_id)
        except TDError as exc:
            log.info("session %s: attempts unavailable: %s", item.claim.session_id, exc)
            return None
        later = [
            a
            for a in attempts
            if a.index > item.attempt.index and a.status is AttemptStatus.SUCCESS
        ]
        return Recovery(min(later, key=lambda a: a.index)) if later else None

    async def _load(self, claim: Claim) -> Outgoing | None:
        try:
            attempt = await self._td.attempt(claim.attempt_id)
        except NotFound:
            log.error(
                "attempt %s is gone; its alert to %s is dropped", claim.attempt_id, claim.channel_id
            )
            await self._store.mark_failed(claim, "the attempt no longer exists at TD", None)
            return None
        except TDError as exc:
            await self._store.mark_failed(
                claim, f"TD: {exc}", self._at(self._retry_seconds(claim.tries))
            )
            return None
        diagnosis = (
            await self._diagnoser.one(attempt.id) if claim.kind is AlertKind.FAILURE else None
        )
        return Outgoing(claim, attempt, diagnosis)

    # ------------------------------------------------------------ bookkeeping

    async def _defer(self, item: Outgoing, reason: str, *, permanent: bool = False) -> None:
        """Leave the claim for a later poll, with backoff; give up after too many tries."""
        limit = self._config.max_tries_permanent if permanent else self._config.max_tries
        delay = None if item.claim.tries >= limit else self._retry_seconds(item.claim.tries)
        if delay is None:
            log.error(
                "giving up the alert of attempt %s to %s after %d tries: %s",
                item.attempt.id,
                item.claim.channel_id,
                item.claim.tries,
                reason,
            )
        await self._store.mark_failed(item.claim, reason, self._at(delay))

    async def _give_up_or_retry(self, item: Outgoing, exc: NotifyError) -> None:
        await self._defer(item, f"{exc.error}: {exc}", permanent=exc.permanent)

    def _retry_seconds(self, tries: int) -> float:
        return backoff_seconds(tries, base=self._config.retry_base, cap=self._config.retry_cap)

    def _at(self, delay: float | None) -> datetime | None:
        return None if delay is None else self._clock() + timedelta(seconds=delay)

    def _count(self, kind: str) -> None:
        if self._metrics is not None:
            self._metrics.alerts_posted.labels(kind).inc()


def _rate_stop(exc: NotifyRateLimited) -> _ChannelStop:
    return _ChannelStop(f"rate limited for {exc.retry_after:g}s", delay=exc.retry_after)
