"""The steps of delivering one silent alert, digest or resolution: look for an
earlier holder's post, post, record the thread, mark delivered (always last).

Every step is safe to run again for the same claim: the post is looked for by
its mark first when the claim was taken over, and the thread writes and the
parent edit are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.outgoing import DeliveryReport, Postponer
from bot.alerts.plan import ThreadStatus
from bot.alerts.sender import Sender
from bot.notify import NotifyError
from bot.present.alerts import AlertOwnership
from bot.present.silent import resolved_reply, silent_digests, silent_parent, silent_reply
from bot.silent.findings import (
    Finding,
    NotStarted,
    Resolved,
    ScheduleDisabled,
    SilentKind,
)
from bot.store import (
    AlertKind,
    Claim,
    DeliveryState,
    ScopeOwners,
    Store,
    ThreadRef,
    owners_covering,
    owners_of_scopes,
)

log = logging.getLogger("bot.alerts.silent")

# Slack and TD clocks differ: a lost post is looked for from a little before its facts.
LOOKUP_SKEW = timedelta(minutes=15)
_END = ":end"
_SILENT_STATUSES = {k.value for k in SilentKind}


@dataclass(frozen=True)
class SilentItem:
    """A leased silent claim and what its message needs.

    A resolution carries its finding (from its alert's claim; None until known)
    and that claim (``alert``), read when it is delivered.
    """

    claim: Claim
    finding: Finding | None
    resolved: Resolved | None = None
    alert: Claim | None = None

    @property
    def maybe_posted(self) -> bool:
        return self.claim.tries > 1


class Steps:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        later: Postponer,
        console: str | None,
        on_resolved: Callable[[ThreadRef], Awaitable[None]] | None,
    ) -> None:
        self._store = store
        self._sender = sender
        self._later = later
        self._console = console
        self._on_resolved = on_resolved
        # Every scope's owners, read once per delivery round (``SilentAlerts._deliver``).
        self.owners: list[ScopeOwners] = []

    # ------------------------------------------------------------ alerts

    async def single(self, item: SilentItem, report: DeliveryReport) -> None:
        claim, finding = item.claim, item.finding
        assert finding is not None
        channel = claim.channel_id
        thread = await self._store.get_thread(channel, claim.session_id)
        if item.maybe_posted:
            ts = await self._find(item, thread.parent_ts if thread else None)
            if ts is not None:
                report.found += 1
                reply_to = thread.parent_ts if thread and thread.parent_ts != ts else None
                await self._record(item, ts, reply_to, thread)
                report.delivered.append(claim)
                return
        if thread is None:
            owners = owners_covering(self.owners, finding.project, finding.workflow)
            message = silent_parent(
                finding, console=self._console, ownership=AlertOwnership(owners)
            )
        else:
            message = silent_reply(finding, console=self._console)
        reply_to = thread.parent_ts if thread is not None else None
        try:
            ts = await self._sender.post(channel, message, reply_to, [claim.attempt_id])
        except NotifyError as exc:  # only this message was refused
            await self._later.refused(claim, exc)
            report.deferred += 1
            return
        report.posted += 1
        self._sender.count(finding.kind.value)
        await self._record(item, ts, reply_to, thread)
        report.delivered.append(claim)

    async def digests(
        self, items: list[SilentItem], report: DeliveryReport, done: set[int]
    ) -> None:
        ready: list[SilentItem] = []
        for item in items:
            ts = await self._find(item, None) if item.maybe_posted else None
            if ts is None:
                ready.append(item)
                continue
            report.found += 1
            await self._record(item, ts, None, None)
            report.delivered.append(item.claim)
            done.add(item.claim.id)
        if not ready:
            return
        channel = ready[0].claim.channel_id
        owners = owners_of_scopes(self.owners, ((i.claim.project, i.claim.workflow) for i in ready))
        by_finding = {id(i.finding): i for i in ready}
        found = [i.finding for i in ready if i.finding is not None]
        for digest in silent_digests(found, console=self._console, owners=owners):
            group = [by_finding[id(f)] for f in digest.findings]
            try:
                ts = await self._sender.post(
                    channel, digest.message, None, [i.claim.attempt_id for i in group]
                )
            except NotifyError as exc:
                for item in group:
                    await self._later.refused(item.claim, exc)
                    report.deferred += 1
                    done.add(item.claim.id)
                continue
            report.posted += 1
            self._sender.count("silent_digest")
            for item in group:
                await self._record(item, ts, None, None)
                report.delivered.append(item.claim)
                done.add(item.claim.id)

    async def _record(
        self, item: SilentItem, ts: str, reply_to: str | None, thread: ThreadRef | None
    ) -> None:
        claim, finding = item.claim, item.finding
        assert finding is not None
        status = ThreadStatus.of(thread) if thread is not None else None
        # An open failure rules its thread; otherwise the thread shows this alert as open.
        if status is None or not status.failing or thread_is_silent(thread):
            await self._store.set_thread(
                claim.channel_id,
                claim.session_id,
                reply_to or ts,
                status=finding.kind.value,
                attempt_id=finding.attempt.id if finding.attempt else "",
                project=claim.project,
                workflow=claim.workflow,
                session_time=finding.attempt.session_time if finding.attempt else None,
            )
        await self._store.mark_delivered(claim, ts, reply_to)

    # ------------------------------------------------------------ resolutions

    async def resolve(self, item: SilentItem, report: DeliveryReport) -> None:
        claim, end, alert, finding = item.claim, item.resolved, item.alert, item.finding
        assert end is not None
        if alert is None or finding is None or alert.state is not DeliveryState.DELIVERED:
            if alert is not None and alert.state is DeliveryState.FAILED and not alert.next_try_at:
                await self._store.mark_failed(claim, "its alert was given up", None)
            else:
                await self._later.defer_claim(claim, "its alert is not posted yet")
            report.deferred += 1
            return
        channel = claim.channel_id
        thread = await self._store.get_thread(channel, claim.session_id)
        if thread is None:
            await self._store.mark_failed(claim, "its alert thread is gone", None)
            return
        alone = alert.kind is AlertKind.SILENT and alert.thread_ts is None
        if alone and alert.message_ts and self._sender.notifier.capabilities.updates:
            edited = silent_parent(finding, console=self._console, resolved=end)
            await self._sender.update(channel, alert.message_ts, edited)
        mark = claim.attempt_id
        ts = await self._find(item, thread.parent_ts) if item.maybe_posted else None
        if ts is None:
            try:
                ts = await self._sender.post(
                    channel, resolved_reply(end, finding), thread.parent_ts, [mark]
                )
            except NotifyError as exc:
                await self._later.refused(claim, exc)
                report.deferred += 1
                return
            report.posted += 1
            self._sender.count("silent_resolved")
        else:
            report.found += 1
        if thread.status == end.kind.value:
            if self._on_resolved is not None:
                await self._on_resolved(thread)  # e.g. resolve its PagerDuty incident
            await self._store.set_thread(
                channel,
                thread.session_id,
                thread.parent_ts,
                status=ThreadStatus.RECOVERED.value,
                attempt_id=thread.attempt_id,
                project=thread.project,
                workflow=thread.workflow,
            )
        await self._store.mark_delivered(claim, ts, thread.parent_ts)
        report.delivered.append(claim)

    # ------------------------------------------------------------ lookups

    async def _find(self, item: SilentItem, thread_ts: str | None) -> str | None:
        """Where an earlier holder posted this claim's message, if it did."""
        channel, mark = item.claim.channel_id, item.claim.attempt_id
        oldest = _oldest(item) - LOOKUP_SKEW
        if thread_ts is not None and self._sender.notifier.capabilities.findable:
            ts = await self._sender.find(channel, mark, thread_ts, oldest)
            if ts is not None:
                return ts
        return await self._sender.find(channel, mark, None, oldest)


def thread_is_silent(thread: ThreadRef | None) -> bool:
    """The thread's parent shows an open silent failure (running long, late, ...)."""
    return thread is not None and thread.status in _SILENT_STATUSES


def _oldest(item: SilentItem) -> datetime:
    """No earlier than this can the claim's message have been posted."""
    finding = item.finding
    times: list[datetime] = [item.claim.claimed_at - timedelta(days=1)]
    if finding is not None:
        facts = finding.facts
        if finding.attempt is not None and finding.attempt.created_at is not None:
            times.append(finding.attempt.created_at)
        if finding.session_time is not None:
            times.append(finding.session_time)
        if isinstance(facts, NotStarted):
            times.append(facts.slot)
        if isinstance(facts, ScheduleDisabled):
            times.append(facts.disabled_at)
    return min(times)
