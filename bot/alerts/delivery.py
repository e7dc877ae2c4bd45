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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.aio import bounded_map
from bot.alerts.diagnoser import Diagnoser
from bot.alerts.outgoing import DeliveryReport, Outgoing, Postponer, per_channel
from bot.alerts.pacing import ChannelPacer
from bot.alerts.plan import ThreadStatus
from bot.alerts.sender import ChannelStop, DeliveryConfig, Sender
from bot.alerts.silent_steps import thread_is_silent
from bot.diagnosis import Diagnosis
from bot.notify import Notifier, NotifyError
from bot.ops.metrics import Metrics
from bot.present.alerts import (
    AlertOwnership,
    Recovery,
    alert_diagnosis,
    digest_messages,
    failure_parent,
    recovery_reply,
    retry_failure_reply,
)
from bot.store import (
    AlertKind,
    Claim,
    ScopeOwners,
    Store,
    ThreadRef,
    owners_covering,
    owners_of_scopes,
)
from bot.td import TDClient
from bot.td.errors import NotFound, TDError
from bot.td.models import Attempt, AttemptStatus

log = logging.getLogger(__name__)

# Slack and TD clocks differ; a lost post is looked for from a little before
# the attempt finished (an alert cannot be older than its failure).
LOOKUP_SKEW = timedelta(minutes=15)


class _Unknown:
    """The session's thread was not read yet: ``_record`` reads it."""


UNKNOWN = _Unknown()


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
        on_recovered: Callable[[ThreadRef], Awaitable[None]] | None = None,
    ) -> None:
        self._td = td
        self._on_recovered = on_recovered
        self._store = store
        self.sender = Sender(notifier, pacer, config, metrics)
        self._diagnoser = diagnoser
        self._console = console
        self._clock = clock
        self._config = config
        self._later = Postponer(store, config, clock)
        self._owners: list[ScopeOwners] = []  # as read at the start of ``deliver``

    async def taken_over(self, now: datetime, *, concurrency: int = 8) -> list[Outgoing]:
        """Lease the claims due for another try and load what their messages need."""
        claims = await self._store.pending_deliveries(now)
        loaded = await bounded_map(self._load, claims, concurrency)
        return [o for o in loaded if o is not None]

    async def deliver(self, items: Sequence[Outgoing]) -> DeliveryReport:
        report = DeliveryReport()
        if items:  # every scope's owners in one read, for all the alerts of this call
            self._owners = await self._store.all_owners()
        await per_channel(items, lambda ch, group: self._channel(ch, group, report))
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
                    await self._later.defer(
                        item, "an earlier alert of this session is not posted yet"
                    )
                    report.deferred += 1
                    done.add(item.claim.id)
                    continue
                if not await self._single(channel, item, report):
                    blocked.add(item.claim.session_id)
                    report.deferred += 1
                done.add(item.claim.id)
        except ChannelStop as stop:
            log.warning("alerts to %s paused: %s", channel, stop.reason)
            left = (item.claim for item in items if item.claim.id not in done)
            report.deferred += await self._later.stopped(left, stop)

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
        owners = owners_of_scopes(
            self._owners, ((o.claim.project, o.claim.workflow) for o in ready)
        )
        attempts = [o.attempt for o in ready]
        for digest in digest_messages(attempts, console=self._console, owners=owners):
            group = [by_id[a.id] for a in digest.attempts]
            try:
                ts = await self.sender.post(
                    channel, digest.message, None, [o.attempt.id for o in group]
                )
            except NotifyError as exc:
                for item in group:
                    await self._later.give_up_or_retry(item, exc)
                    blocked.add(item.claim.session_id)
                    report.deferred += 1
                    done.add(item.claim.id)
                continue
            report.posted += 1
            self.sender.count("digest")
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
                await self._later.defer(item, "the session's alert thread does not exist yet")
                return False
            message = recovery_reply(item.attempt, console=self._console)
            kind = "recovery"
        elif thread is not None and thread_is_silent(thread):
            # The run the thread says runs long (or is late) failed: the alert in full,
            # shown in the channel too.
            owners = owners_covering(self._owners, item.claim.project, item.claim.workflow)
            parent = failure_parent(
                item.attempt,
                item.diagnosis,
                console=self._console,
                ownership=AlertOwnership(owners),
            )
            message = replace(parent, header=False, broadcast=True)
            kind = "failure"
        elif thread is not None:
            message = retry_failure_reply(item.attempt, item.diagnosis, console=self._console)
            kind = "reply"
        else:
            recovered = await self._recovered_since(item) if item.maybe_posted else None
            owners = owners_covering(self._owners, item.claim.project, item.claim.workflow)
            message = failure_parent(
                item.attempt,
                item.diagnosis,
                console=self._console,
                recovered=recovered,
                ownership=AlertOwnership(owners),
            )
            kind = "failure"
            parent_status = ThreadStatus.FAILING if recovered is None else ThreadStatus.RECOVERED
        thread_ts = thread.parent_ts if thread is not None else None
        try:
            ts = await self.sender.post(channel, message, thread_ts, [item.attempt.id])
        except NotifyError as exc:
            # Only this message was refused: the channel itself is fine.
            await self._later.give_up_or_retry(item, exc)
            return False
        report.posted += 1
        self.sender.count(kind)
        return await self._record(item, ts, thread_ts, report, parent_status, thread)

    # ------------------------------------------------------------ the steps

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
                    await self._set_thread(claim, ts, parent_status, item.attempt)
            else:
                digest = thread is not None and ThreadStatus.of(thread).digest
                status = ThreadStatus.DIGEST if digest else ThreadStatus.FAILING
                await self._set_thread(claim, thread_ts, status, item.attempt)
        except TDError as exc:
            await self._later.defer(item, f"posted, but the follow-up failed: {exc}")
            return False
        if claim.kind is AlertKind.FAILURE and item.diagnosis is not None:
            await self._follow_with_diagnosis(item, item.diagnosis, thread_ts or ts)
        await self._store.mark_delivered(claim, ts, thread_ts)
        report.delivered.append(claim)
        return True

    async def _mark_recovered(self, thread: ThreadRef, success: Attempt) -> None:
        status = ThreadStatus.of(thread)
        if status is ThreadStatus.FAILING and self.sender.notifier.capabilities.updates:
            # The parent is rewritten before the status records it, so a crash
            # in between repeats the (idempotent) update rather than skipping it.
            failed = await self._td.attempt(thread.attempt_id)
            diagnosis = await self._diagnoser.one(failed.id)
            message = failure_parent(
                failed, diagnosis, console=self._console, recovered=Recovery(success)
            )
            await self.sender.update(thread.channel_id, thread.parent_ts, message)
        if status.failing:
            if self._on_recovered is not None:
                await self._on_recovered(thread)  # e.g. resolve its PagerDuty incident
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

    async def _thread(self, item: Outgoing) -> ThreadRef | None:
        # Even a session's first attempt may have a thread: it ran long, or it is late.
        return await self._store.get_thread(item.claim.channel_id, item.claim.session_id)

    async def _set_thread(
        self, claim: Claim, parent_ts: str, status: ThreadStatus, failed: Attempt
    ) -> None:
        # The board names the run and says when it first failed.
        await self._store.set_thread(
            claim.channel_id,
            claim.session_id,
            parent_ts,
            status=status.value,
            attempt_id=failed.id,
            project=claim.project,
            workflow=claim.workflow,
            session_time=failed.session_time,
            failed_at=failed.finished_at,
        )

    async def _follow_with_diagnosis(self, item: Outgoing, found: Diagnosis, root: str) -> None:
        """The full diagnosis as the first reply under the alert, once.

        It carries its own mark, so a holder that takes the claim over after a
        crash between the alert and this reply finds whether it went out.
        """
        channel, mark = item.claim.channel_id, diagnosis_mark(item.attempt.id)
        if item.maybe_posted and await self._find_mark(channel, mark, root, item) is not None:
            return
        try:
            await self.sender.post(channel, alert_diagnosis(found), root, [mark])
        except NotifyError as exc:  # refused even as plain text: Diagnose still shows it
            log.error("the diagnosis of attempt %s was refused: %s", item.attempt.id, exc)
            return
        self.sender.count("diagnosis")

    async def _find(self, channel: str, item: Outgoing) -> tuple[str, str | None] | None:
        """Where an earlier holder posted this claim's message, if it did."""
        mark = item.attempt.id
        thread = await self._store.get_thread(channel, item.claim.session_id)
        if thread is not None and self.sender.notifier.capabilities.findable:
            ts = await self._find_mark(channel, mark, thread.parent_ts, item)
            if ts is not None:
                return (ts, None) if ts == thread.parent_ts else (ts, thread.parent_ts)
        ts = await self._find_mark(channel, mark, None, item)
        return (ts, None) if ts is not None else None

    async def _find_mark(
        self, channel: str, mark: str, thread: str | None, item: Outgoing
    ) -> str | None:
        attempt = item.attempt
        since = (
            attempt.finished_at or attempt.created_at or item.claim.claimed_at - timedelta(days=1)
        )
        return await self.sender.find(channel, mark, thread, since - LOOKUP_SKEW)

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
                claim, f"TD: {exc}", self._later.at(self._later.retry_seconds(claim.tries))
            )
            return None
        diagnosis = (
            await self._diagnoser.one(attempt.id) if claim.kind is AlertKind.FAILURE else None
        )
        return Outgoing(claim, attempt, diagnosis)


def diagnosis_mark(attempt_id: str) -> str:
    """The mark of the diagnosis reply that follows an attempt's alert."""
    return f"{attempt_id}:diagnosis"
