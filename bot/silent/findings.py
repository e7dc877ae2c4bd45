"""Silent failures as plain values: what to alert about, and what resolved it.

Pure values (no Slack, no store) shared by the watchers that find them
(``bot.alerts``), the presenters that word them (``bot.present.silent``) and
``slas``. The contract between the watchers and the delivery is described in
``bot.alerts.findings``, which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.td.models import Attempt


class SilentKind(StrEnum):
    """The kind of a silent failure; also ``threads.status`` while its alert is open."""

    RUNNING_LONG = "running_long"
    LATE = "late"
    NOT_STARTED = "not_started"
    SCHEDULE_DISABLED = "schedule_disabled"


def subject_time(at: datetime) -> str:
    """A time as subjects write it: UTC, seconds, ``Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_subject(schedule_id: str, session_time: datetime) -> str:
    return f"slot:{schedule_id}:{subject_time(session_time)}"


def schedule_subject(schedule_id: str, disabled_at: datetime) -> str:
    return f"schedule:{schedule_id}:{subject_time(disabled_at)}"


@dataclass(frozen=True)
class ScheduleSubject:
    """A subject that is no session: a slot (``slot``) or a disabled schedule (``schedule``)."""

    prefix: str
    schedule_id: str
    at: datetime


def schedule_subject_of(subject: str) -> ScheduleSubject | None:
    """The slot or schedule a subject names; ``None`` for a session id."""
    prefix, _, rest = subject.partition(":")
    schedule_id, _, at = rest.partition(":")
    if prefix not in ("slot", "schedule") or not schedule_id:
        return None
    try:
        when = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return ScheduleSubject(prefix, schedule_id, when)


# ----------------------------------------------------------------- the facts


class LimitSource(StrEnum):
    """Where a running-long limit comes from."""

    SLA = "sla"  # an explicit ``sla <scope> runtime``
    BASELINE = "baseline"  # learned from the workflow's recent good runs


@dataclass(frozen=True)
class Baseline:
    """What the workflow's recent successful runs took."""

    runs: int  # how many good runs it was learned from (5..20)
    fastest: timedelta
    slowest: timedelta
    p95: timedelta


@dataclass(frozen=True)
class RunningTask:
    """A task running now, as TD's task list shows it."""

    full_name: str  # e.g. "+daily_load+aggregate"
    operator: str | None  # e.g. "td>"; None when its config names none
    started_at: datetime | None
    job_id: str | None  # the TD job a td>-style task polls (stateParams.job.jobId)


@dataclass(frozen=True)
class RunningLong:
    """A running attempt past its limit."""

    running_for: timedelta
    limit: timedelta
    source: LimitSource
    sla_scope: str | None  # the scope whose ``sla runtime`` set the limit (SLA only)
    baseline: Baseline | None  # the learned baseline, when there is one (shown either way)
    tasks: tuple[RunningTask, ...]  # the running task(s); empty when TD listed none


class LateState(StrEnum):
    """Why a scheduled session has not succeeded in time."""

    NOT_STARTED = "not_started"  # no session for the slot yet
    RUNNING = "running"  # its attempt is still running
    FAILED = "failed"  # its last attempt failed (or was killed) and nothing recovered it


@dataclass(frozen=True)
class Late:
    """A scheduled session that had not succeeded ``within`` after its session time."""

    state: LateState
    within: timedelta
    sla_scope: str  # the scope whose ``sla within`` set the limit
    due_at: datetime  # session time + within
    # RUNNING: what TD's task list showed when it was alerted (as running long shows
    # them); None when not read (another state, or the read failed).
    tasks: tuple[RunningTask, ...] | None = None


@dataclass(frozen=True)
class NotStarted:
    """An enabled schedule whose next run time is more than the grace in the past."""

    schedule_id: str
    slot: datetime  # the run time that did not start (nextRunTime)
    grace: timedelta  # TDBOT_START_GRACE


@dataclass(frozen=True)
class ScheduleDisabled:
    """A schedule of a subscribed workflow that TD (or someone) disabled."""

    schedule_id: str
    disabled_at: datetime


Facts = RunningLong | Late | NotStarted | ScheduleDisabled

_KIND_OF: dict[type[Facts], SilentKind] = {
    RunningLong: SilentKind.RUNNING_LONG,
    Late: SilentKind.LATE,
    NotStarted: SilentKind.NOT_STARTED,
    ScheduleDisabled: SilentKind.SCHEDULE_DISABLED,
}


@dataclass(frozen=True)
class Finding:
    """One thing to alert about (its kind follows from its facts).

    ``session_time``: the session's (or the slot's) time; for a disabled
    schedule, its next schedule time if TD still gives one, else None.
    ``attempt``: the attempt concerned (running long: the running one; late:
    the session's last attempt), None when there is none.
    ``workflow_id``: the workflow's id at TD when known without an attempt (from
    its schedule), so an alert about no run still links to its workflow.
    """

    project: str
    workflow: str
    subject: str
    session_time: datetime | None
    attempt: Attempt | None
    facts: Facts
    workflow_id: str | None = None

    @property
    def kind(self) -> SilentKind:
        return _KIND_OF[type(self.facts)]

    @property
    def key(self) -> str:
        """What one alert is about (claimed once per channel): see ``alert_key``."""
        return alert_key(self.kind, self.subject, self.attempt.id if self.attempt else None)


class ResolvedHow(StrEnum):
    SUCCEEDED = "succeeded"  # running long: finished well; late: the session succeeded
    FAILED = "failed"  # running long: ended in error or killed (the failure alert follows)
    STARTED = "started"  # not started: a session for the slot started
    ENABLED = "enabled"  # schedule disabled: enabled again
    GONE = "gone"  # running long: TD no longer has the attempt (404: deleted)


@dataclass(frozen=True)
class Resolved:
    """A finding's end: its parent is edited, and its thread told how."""

    kind: SilentKind
    subject: str
    project: str
    workflow: str
    how: ResolvedHow
    at: datetime  # when it ended (the attempt's finishedAt, the start, the enabling)
    attempt: Attempt | None = None  # the attempt that ended it (running long: required)
    # GONE: the attempt TD no longer has (there is no Attempt left to carry).
    attempt_id: str | None = None

    @property
    def key(self) -> str:
        """The key of the finding it resolves: see ``alert_key``."""
        return alert_key(
            self.kind, self.subject, self.attempt.id if self.attempt else self.attempt_id
        )


def alert_key(kind: SilentKind, subject: str, attempt_id: str | None) -> str:
    """One alert's key: running long is per attempt (a retry that runs long too is a
    new alert in the session's thread); the other kinds are per subject."""
    if kind is SilentKind.RUNNING_LONG:
        if attempt_id is None:
            raise ValueError("a running-long finding needs its attempt")
        return f"{kind.value}:{attempt_id}"
    return f"{kind.value}:{subject}"
