"""Which alerts a poll's finished attempts call for, per channel.

Pure decisions over the store's state (subscriptions, mutes, threads) and
diagnoses: nothing is claimed or posted here.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.alerts.diagnoser import Diagnoser
from bot.diagnosis import Diagnosis
from bot.store import ALL_PROJECTS, AlertKind, Mute, Store, Subscription, ThreadRef
from bot.td.models import Attempt, AttemptStatus

log = logging.getLogger(__name__)


class ThreadStatus(StrEnum):
    """``ThreadRef.status``: what the session's parent message shows now.

    A digest parent lists many sessions, so it is never rewritten for one.
    """

    FAILING = "failing"
    RECOVERED = "recovered"
    DIGEST = "digest"
    DIGEST_RECOVERED = "digest_recovered"

    @classmethod
    def of(cls, thread: ThreadRef) -> ThreadStatus:
        try:
            return cls(thread.status)
        except ValueError:
            return cls.FAILING

    @property
    def digest(self) -> bool:
        return self in (ThreadStatus.DIGEST, ThreadStatus.DIGEST_RECOVERED)

    @property
    def failing(self) -> bool:
        return self in (ThreadStatus.FAILING, ThreadStatus.DIGEST)


@dataclass(frozen=True)
class Planned:
    channel: str
    attempt: Attempt
    kind: AlertKind  # FAILURE (parent or thread reply), DIGEST (listed) or RECOVERY


@dataclass(frozen=True)
class Plan:
    alerts: list[Planned]
    diagnoses: dict[str, Diagnosis | None]


class Subscribers:
    """The channels subscribed to each workflow, read once per poll per workflow."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[tuple[str, str], list[Subscription]] = {}

    async def of(self, attempt: Attempt) -> list[Subscription]:
        return await self.of_workflow(attempt.project.name, attempt.workflow.name)

    async def of_workflow(self, project: str, workflow: str) -> list[Subscription]:
        key = (project, workflow)
        if key not in self._cache:
            self._cache[key] = await self._store.channels_for(*key)
        return self._cache[key]


@dataclass(frozen=True)
class _Candidate:
    attempt: Attempt
    sub: Subscription
    thread: ThreadRef | None


async def plan_alerts(
    finished: Sequence[Attempt],
    *,
    store: Store,
    subscribers: Subscribers,
    diagnoser: Diagnoser,
    now: datetime,
    digest_over: int,
) -> Plan:
    """Alerts for ``finished`` (ascending id), muted scopes left out.

    A failure opens a session thread in a channel when the subscription's
    threshold of consecutive failed sessions is met, and goes into the thread
    when one is open; a success goes into an open thread as a recovery. When
    more than ``digest_over`` threads would open in one channel, they are
    listed in a digest instead.
    """
    candidates: list[_Candidate] = []
    mutes: dict[str, list[Mute]] = {}
    for attempt in finished:
        if not (attempt.status.failed or _may_recover(attempt)):
            continue
        project, workflow = attempt.project.name, attempt.workflow.name
        for sub in await subscribers.of(attempt):
            channel = sub.channel_id
            if channel not in mutes:
                mutes[channel] = await store.mutes(channel, now)
            if any(_covers(m, project, workflow) for m in mutes[channel]):
                continue
            # Even a first attempt may have a thread: it ran long, or its session is late.
            thread = await store.get_thread(channel, attempt.session_id)
            candidates.append(_Candidate(attempt, sub, thread))

    need_streak = [
        c.attempt.id
        for c in candidates
        if c.attempt.status.failed and c.thread is None and c.sub.threshold > 1
    ]
    diagnoses = await diagnoser.many(need_streak)

    alerts: list[Planned] = []
    # (channel, session) -> is its thread failing, as of the alerts planned so far
    failing: dict[tuple[str, str], bool] = {}
    for c in candidates:
        channel, attempt = c.sub.channel_id, c.attempt
        key = (channel, attempt.session_id)
        open_now = failing.get(key)
        if open_now is None and c.thread is not None:
            open_now = ThreadStatus.of(c.thread).failing
        if attempt.status.failed:
            has_thread = key in failing or c.thread is not None
            if has_thread or _meets_threshold(c.sub, attempt, diagnoses.get(attempt.id)):
                alerts.append(Planned(channel, attempt, AlertKind.FAILURE))
                failing[key] = True
        elif open_now:
            alerts.append(Planned(channel, attempt, AlertKind.RECOVERY))
            failing[key] = False

    alerts = _digest_storms(
        alerts,
        threaded={
            (c.sub.channel_id, c.attempt.session_id) for c in candidates if c.thread is not None
        },
        digest_over=digest_over,
    )
    singles = [p.attempt.id for p in alerts if p.kind is AlertKind.FAILURE]
    diagnoses.update(await diagnoser.many(i for i in singles if i not in diagnoses))
    return Plan(alerts, diagnoses)


def _covers(mute: Mute, project: str, workflow: str) -> bool:
    if mute.project == ALL_PROJECTS:
        return True
    return mute.project == project and mute.workflow in (None, workflow)


def _may_recover(attempt: Attempt) -> bool:
    # A session's first attempt has no earlier failure to recover from.
    return attempt.status is AttemptStatus.SUCCESS and attempt.index > 1


def _meets_threshold(sub: Subscription, attempt: Attempt, diagnosis: Diagnosis | None) -> bool:
    if sub.threshold <= 1:
        return True
    if diagnosis is None or diagnosis.streak is None:
        # Without the history the streak is unknown: alerting beats staying silent.
        log.warning(
            "failure streak of attempt %s unknown; alerting %s despite threshold %d",
            attempt.id,
            sub.channel_id,
            sub.threshold,
        )
        return True
    return diagnosis.streak.count >= sub.threshold


def _digest_storms(
    alerts: list[Planned], *, threaded: set[tuple[str, str]], digest_over: int
) -> list[Planned]:
    """Turn a channel's new threads into digest items when there are too many."""
    opened: set[tuple[str, str]] = set(threaded)
    new_parent: list[bool] = []
    for p in alerts:
        key = (p.channel, p.attempt.session_id)
        new_parent.append(p.kind is AlertKind.FAILURE and key not in opened)
        opened.add(key)
    per_channel = Counter(p.channel for p, new in zip(alerts, new_parent, strict=True) if new)
    return [
        replace(p, kind=AlertKind.DIGEST) if new and per_channel[p.channel] > digest_over else p
        for p, new in zip(alerts, new_parent, strict=True)
    ]
