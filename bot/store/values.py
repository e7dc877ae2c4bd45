"""Plain values the store hands out: callers never see SQLAlchemy rows or sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ALL_PROJECTS = "*"
"""The project of a subscription or mute that covers every project."""


class AlertKind(StrEnum):
    FAILURE = "failure"
    RECOVERY = "recovery"
    DIGEST = "digest"
    # Silent failures (bot.silent): the alert, a digest line, its resolution. Which
    # kind of silent failure it is travels in the claim's payload.
    SILENT = "silent"
    SILENT_DIGEST = "silent_digest"
    SILENT_RESOLVED = "silent_resolved"


FAILURE_KINDS = (AlertKind.FAILURE, AlertKind.RECOVERY, AlertKind.DIGEST)
SILENT_KINDS = (AlertKind.SILENT, AlertKind.SILENT_DIGEST, AlertKind.SILENT_RESOLVED)


class DeliveryState(StrEnum):
    CLAIMED = "claimed"
    DELIVERED = "delivered"
    FAILED = "failed"


class ActionKind(StrEnum):
    RETRY = "retry"
    KILL = "kill"
    KILL_JOB = "kill_job"
    BACKFILL = "backfill"


class ActionState(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Subscription:
    channel_id: str
    project: str  # ALL_PROJECTS for every project
    workflow: str | None  # None: every workflow of the project
    threshold: int  # consecutive failed sessions before the channel is alerted
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Mute:
    channel_id: str
    project: str
    workflow: str | None
    until: datetime
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Claim:
    """One alert for one channel: the right to post it, and what became of it.

    ``tries`` counts the leases taken on the delivery. A claim with ``tries > 1``
    was taken over from a holder that failed or vanished, which may have posted
    before it could record the fact: check the channel before posting again.
    """

    id: int
    channel_id: str
    attempt_id: str
    session_id: str
    project: str
    workflow: str
    kind: AlertKind
    state: DeliveryState
    tries: int
    claimed_at: datetime
    message_ts: str | None
    thread_ts: str | None
    last_error: str | None
    next_try_at: datetime | None
    delivered_at: datetime | None
    payload: str | None = None  # silent kinds: the finding or resolution, as JSON


@dataclass(frozen=True)
class ThreadRef:
    """The parent message of a session's alerts in one channel."""

    channel_id: str
    session_id: str
    parent_ts: str
    status: str
    attempt_id: str  # the attempt the parent currently describes
    project: str
    workflow: str
    updated_at: datetime


@dataclass(frozen=True)
class WatchedAttempt:
    """An attempt seen running: the poll cursor moved past it, so it is re-checked."""

    attempt_id: str
    session_id: str
    project: str
    workflow: str
    since: datetime
    created_at: datetime | None = None  # the attempt's createdAt (None: not known)


@dataclass(frozen=True)
class OutcomeWatch:
    """An attempt started from Slack whose end is to be posted in ``thread_ts``
    (None: the channel itself)."""

    id: int
    attempt_id: str
    channel_id: str
    thread_ts: str | None
    started_by: str
    created_at: datetime
    claimed_at: datetime | None  # a claim to post that may still be in progress


@dataclass(frozen=True)
class ActionRecord:
    key: str
    user_id: str
    action: ActionKind
    target_id: str
    channel_id: str | None
    thread_ts: str | None
    state: ActionState
    outcome: str | None
    created_at: datetime
    finished_at: datetime | None
