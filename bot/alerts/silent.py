"""Silent-failure alerts, delivered exactly once per channel: ``SilentAlerts``.

The watchers (running long in the alert poll, the schedule watcher for late,
not started and schedule disabled) call ``report(findings, resolved)``; the
contract is described in ``bot.alerts.findings``. Claims go into
``alert_deliveries`` like failure alerts (kinds ``silent``, ``silent_digest``,
``silent_resolved``), keyed by ``Finding.key`` (a resolution by the key plus
``:end``) and carrying the finding or resolution as JSON, so a holder that takes
a claim over (lease expired, a 429, a crash, another replica) words the same
message without TD. Every post carries its key as its mark and a claim taken
over is looked for before it is posted again, as for failures (``Sender``,
``Postponer``: pacing, inline 429 waits, ``ChannelStop``, backoff, give-up).

Per channel: a finding is skipped where the scope is muted, and a disabled
schedule where the channel subscribed after it was disabled. More than
``digest_over`` new threads in one channel in one round become digest lines.
A resolution is posted only where its finding's alert went out (muted or not:
the thread exists), edits a parent that describes only that finding, and
marks the thread ``recovered`` unless a failure took it over meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.alerts.outgoing import DeliveryReport, Postponer, per_channel
from bot.alerts.pacing import ChannelPacer
from bot.alerts.sender import ChannelStop, DeliveryConfig, Sender
from bot.alerts.silent_steps import SilentItem, Steps
from bot.notify import Notifier
from bot.ops.metrics import Metrics
from bot.silent.codec import dump_finding, dump_resolved, load_finding, load_resolved
from bot.silent.findings import Finding, Resolved, ScheduleDisabled
from bot.store import (
    SILENT_KINDS,
    AlertKind,
    Claim,
    Store,
    Subscription,
    ThreadRef,
    channels_covering,
)

log = logging.getLogger(__name__)

_KEY_CHARS = 64  # alert_deliveries.attempt_id


def claim_key(key: str, suffix: str = "") -> str:
    """The stored key of an alert (``suffix`` ":end" for its resolution), within the column."""
    full = key + suffix
    if len(full) <= _KEY_CHARS:
        return full
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"{key.split(':', 1)[0][:18]}:{digest}{suffix}"


@dataclass(frozen=True)
class SilentConfig:
    digest_over: int = 5  # more new threads than this in one channel in one round: a digest
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)


class SilentAlerts:
    def __init__(
        self,
        *,
        store: Store,
        notifier: Notifier,
        pacer: ChannelPacer,
        console: str | None,
        clock: Callable[[], datetime],
        config: SilentConfig | None = None,
        metrics: Metrics | None = None,
        on_resolved: Callable[[ThreadRef], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config or SilentConfig()
        self._store = store
        self._clock = clock
        self.sender = Sender(notifier, pacer, self.config.delivery, metrics)
        self._later = Postponer(store, self.config.delivery, clock)
        self._steps = Steps(store, self.sender, self._later, console, on_resolved)

    async def report(
        self, findings: Sequence[Finding], resolved: Sequence[Resolved]
    ) -> DeliveryReport:
        """Claim and deliver what is new, then the claims of earlier rounds now due."""
        return await self.deliver(await self.claim(findings, resolved))

    async def claim(
        self, findings: Sequence[Finding], resolved: Sequence[Resolved]
    ) -> list[SilentItem]:
        """Only claim (what ``report`` does first): for a caller that must claim before
        it moves a cursor, and deliver after."""
        if not findings and not resolved:
            return []
        now = self._clock()
        subs = await self._store.all_subscriptions()  # once for the round, not per finding
        fresh = await self._claim_findings(findings, subs, now)
        return fresh + await self._claim_resolved(resolved, subs, now)

    async def deliver(self, fresh: Sequence[SilentItem]) -> DeliveryReport:
        """Deliver claimed items, then the claims of earlier rounds now due."""
        report = await self._deliver(fresh)
        pending = await self._store.pending_deliveries(self._clock(), kinds=SILENT_KINDS)
        retried = await self._deliver([self._load(c) for c in pending])
        report.add(retried)
        return report

    # ------------------------------------------------------------ claiming

    async def _claim_findings(
        self, findings: Sequence[Finding], subs: Sequence[Subscription], now: datetime
    ) -> list[SilentItem]:
        wanted: list[tuple[str, Finding, bool]] = []  # channel, finding, opens a thread
        opening: set[tuple[str, str]] = set()
        for finding in findings:
            for sub in channels_covering(subs, finding.project, finding.workflow):
                channel = sub.channel_id
                facts = finding.facts
                if isinstance(facts, ScheduleDisabled) and sub.created_at > facts.disabled_at:
                    continue  # already off when the channel subscribed: not news to it
                if await self._store.is_muted(channel, finding.project, finding.workflow, now):
                    continue
                key = (channel, finding.subject)
                opens = key not in opening and (
                    await self._store.get_thread(channel, finding.subject) is None
                )
                opening.add(key)
                wanted.append((channel, finding, opens))
        per_channel = Counter(channel for channel, _, opens in wanted if opens)
        items: list[SilentItem] = []
        for channel, finding, opens in wanted:
            storm = opens and per_channel[channel] > self.config.digest_over
            claim = await self._store.claim_alert(
                channel,
                claim_key(finding.key),
                finding.subject,
                finding.project,
                finding.workflow,
                AlertKind.SILENT_DIGEST if storm else AlertKind.SILENT,
                now=now,
                payload=dump_finding(finding),
            )
            if claim is not None:
                items.append(SilentItem(claim, finding))
        return items

    async def _claim_resolved(
        self, resolved: Sequence[Resolved], subs: Sequence[Subscription], now: datetime
    ) -> list[SilentItem]:
        items: list[SilentItem] = []
        for end in resolved:
            for sub in channels_covering(subs, end.project, end.workflow):
                alert = await self._store.claim_of(sub.channel_id, claim_key(end.key))
                if alert is None or alert.payload is None:
                    continue  # nothing was alerted here
                claim = await self._store.claim_alert(
                    sub.channel_id,
                    claim_key(end.key, ":end"),
                    end.subject,
                    end.project,
                    end.workflow,
                    AlertKind.SILENT_RESOLVED,
                    now=now,
                    payload=dump_resolved(end),
                )
                if claim is not None:
                    items.append(SilentItem(claim, load_finding(alert.payload), end, alert))
        return items

    def _load(self, claim: Claim) -> SilentItem:
        assert claim.payload is not None  # every silent claim is made with its payload
        if claim.kind is AlertKind.SILENT_RESOLVED:
            end = load_resolved(claim.payload)
            return SilentItem(claim, None, end)
        return SilentItem(claim, load_finding(claim.payload))

    # ------------------------------------------------------------ delivering

    async def _deliver(self, items: Sequence[SilentItem]) -> DeliveryReport:
        report = DeliveryReport()
        if items:  # every scope's owners in one read, for all the alerts of this round
            self._steps.owners = await self._store.all_owners()
        await per_channel(items, lambda _, group: self._channel(group, report))
        return report

    async def _channel(self, items: list[SilentItem], report: DeliveryReport) -> None:
        # Alerts before their ends: a resolution waits for its alert to be out.
        order = {AlertKind.SILENT_DIGEST: 0, AlertKind.SILENT: 1, AlertKind.SILENT_RESOLVED: 2}
        items = sorted(items, key=lambda i: (order[i.claim.kind], i.claim.id))
        done: set[int] = set()
        try:
            digests = [i for i in items if i.claim.kind is AlertKind.SILENT_DIGEST]
            if digests:
                await self._steps.digests(digests, report, done)
            for item in items:
                if item.claim.id in done:
                    continue
                if item.claim.kind is AlertKind.SILENT:
                    await self._steps.single(item, report)
                else:
                    await self._steps.resolve(await self._with_alert(item), report)
                done.add(item.claim.id)
        except ChannelStop as stop:
            log.warning("silent alerts to %s paused: %s", items[0].claim.channel_id, stop.reason)
            left = (item.claim for item in items if item.claim.id not in done)
            report.deferred += await self._later.stopped(left, stop)

    async def _with_alert(self, item: SilentItem) -> SilentItem:
        """A resolution with its alert's claim and finding (read again: it may be out now)."""
        assert item.resolved is not None
        alert = await self._store.claim_of(item.claim.channel_id, claim_key(item.resolved.key))
        finding = load_finding(alert.payload) if alert and alert.payload else item.finding
        return replace(item, finding=finding, alert=alert)
