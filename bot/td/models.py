"""Typed views of what the TD REST API v3 and the TD Workflow API send.

The models are deliberately lenient: TD adds fields over time, ids arrive as
strings (and sometimes as numbers), and absent optionals arrive as null. Unknown
fields are kept (``extra="allow"``) so nothing the service sends is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.text import SECRETS_SEEN, secret_param_values


def _id_to_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def _parse_v3_time(value: Any) -> Any:
    """v3 times look like ``2015-02-09 11:44:25 UTC`` (or ``... -0500``); ISO also accepted."""
    if value is None or value == "" or isinstance(value, datetime):
        return value or None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(" UTC"):
            return datetime.strptime(text[:-4], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        for fmt in ("%Y-%m-%d %H:%M:%S %z",):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                pass
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value


Id = Annotated[str, BeforeValidator(_id_to_str)]
OptionalId = Annotated[str | None, BeforeValidator(_id_to_str)]
V3Time = Annotated[datetime | None, BeforeValidator(_parse_v3_time)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


# ---------------------------------------------------------------- REST API v3


class JobStatus(StrEnum):
    QUEUED = "queued"
    BOOTING = "booting"
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    KILLED = "killed"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> JobStatus:
        if isinstance(value, str):
            for member in cls:
                if member.value == value.lower():
                    return member
        return cls.UNKNOWN

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCESS, JobStatus.ERROR, JobStatus.KILLED)


class JobDebug(_Lenient):
    cmdout: str | None = None
    stderr: str | None = None


class Job(_Lenient):
    job_id: Id
    type: str = "?"
    status: JobStatus = JobStatus.UNKNOWN
    # A bulkload job carries its embulk config as an object instead of SQL.
    query: str | dict[str, Any] | None = None
    database: str | None = None
    user_name: str | None = None
    url: str | None = None
    created_at: V3Time = None
    updated_at: V3Time = None
    start_at: V3Time = None
    end_at: V3Time = None
    duration: int | None = None
    cpu_time: float | None = None
    result_size: int | None = None
    num_records: int | None = None
    result: str | None = None
    priority: int | None = None
    retry_limit: int | None = None
    debug: JobDebug | None = None

    @property
    def query_text(self) -> str:
        if isinstance(self.query, str):
            return self.query
        if isinstance(self.query, dict):
            return str(self.query)
        return ""


class JobStatusSummary(_Lenient):
    job_id: Id
    status: JobStatus = JobStatus.UNKNOWN
    created_at: V3Time = None
    updated_at: V3Time = None
    start_at: V3Time = None
    end_at: V3Time = None
    duration: int | None = None
    cpu_time: float | None = None
    result_size: int | None = None
    num_records: int | None = None


class JobKillResult(_Lenient):
    former_status: JobStatus = JobStatus.UNKNOWN

    @property
    def already_finished(self) -> bool:
        return self.former_status.finished


class Database(_Lenient):
    name: str
    count: int | None = None
    created_at: V3Time = None
    updated_at: V3Time = None
    permission: str | None = None
    delete_protected: bool | None = None


class Table(_Lenient):
    id: Id | None = None
    name: str
    type: str | None = None
    count: int | None = None
    estimated_storage_size: int | None = None
    schema_: str | None = Field(default=None, alias="schema")
    created_at: V3Time = None
    updated_at: V3Time = None
    expire_days: int | None = None


class Account(_Lenient):
    id: Id
    plan: int | None = None
    storage_size: int | None = None
    guaranteed_cores: int | None = None
    maximum_cores: int | None = None
    created_at: str | None = None


# ------------------------------------------------------------- Workflow API


class AttemptStatus(StrEnum):
    """TD's attempt status enum; OSS Digdag emits a subset (no queued/canceling/blocked).

    A status TD adds later is kept as TD wrote it (a member made on the fly,
    neither done nor failed), never folded into a known one: showing an
    attempt waiting for resources as ``running`` would mislead.
    """

    QUEUED = "queued"
    BLOCKED = "blocked"  # waiting for resources (TD's current reference)
    RUNNING = "running"
    CANCELING = "canceling"
    SUCCESS = "success"
    ERROR = "error"
    KILLED = "killed"

    @classmethod
    def _missing_(cls, value: object) -> AttemptStatus | None:
        if not isinstance(value, str) or not value.strip():
            return None
        text = value.strip()
        for member in cls:
            if member.value == text.lower():
                return member
        unknown = str.__new__(cls, text)
        unknown._name_ = text.upper()
        unknown._value_ = text
        return unknown

    @property
    def known(self) -> bool:
        return self._name_ in type(self).__members__

    @property
    def done(self) -> bool:
        return self in (AttemptStatus.SUCCESS, AttemptStatus.ERROR, AttemptStatus.KILLED)

    @property
    def failed(self) -> bool:
        return self in (AttemptStatus.ERROR, AttemptStatus.KILLED)


class TaskState(StrEnum):
    BLOCKED = "blocked"
    READY = "ready"
    RETRY_WAITING = "retry_waiting"
    GROUP_RETRY_WAITING = "group_retry_waiting"
    RUNNING = "running"
    PLANNED = "planned"
    GROUP_ERROR = "group_error"
    SUCCESS = "success"
    ERROR = "error"
    CANCELED = "canceled"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> TaskState:
        return cls.UNKNOWN

    @property
    def done(self) -> bool:
        return self in (
            TaskState.SUCCESS,
            TaskState.GROUP_ERROR,
            TaskState.ERROR,
            TaskState.CANCELED,
        )


class IdAndName(_Lenient):
    id: OptionalId = None
    name: str


class AttemptFlags(Protocol):
    @property
    def raw_status(self) -> str | None: ...
    @property
    def done(self) -> bool: ...
    @property
    def success(self) -> bool: ...
    @property
    def cancel_requested(self) -> bool: ...


def status_of(attempt: AttemptFlags) -> AttemptStatus:
    """An attempt's status from its fields (``derive_attempt_status``)."""
    return derive_attempt_status(
        attempt.raw_status,
        done=attempt.done,
        success=attempt.success,
        cancel_requested=attempt.cancel_requested,
    )


def derive_attempt_status(
    status: str | None, *, done: bool, success: bool, cancel_requested: bool
) -> AttemptStatus:
    """TD's ``status`` when present (an unknown one kept as written), else the OSS
    derivation from the flags."""
    if status and status.strip():
        return AttemptStatus(status)
    if success:
        return AttemptStatus.SUCCESS
    if done:
        return AttemptStatus.KILLED if cancel_requested else AttemptStatus.ERROR
    return AttemptStatus.CANCELING if cancel_requested else AttemptStatus.RUNNING


class Project(_Lenient):
    id: Id
    name: str
    revision: str | None = None
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    deleted_at: datetime | None = Field(default=None, alias="deletedAt")
    archive_type: str | None = Field(default=None, alias="archiveType")
    archive_md5: str | None = Field(default=None, alias="archiveMd5")


class Workflow(_Lenient):
    id: Id
    name: str
    project: IdAndName
    revision: str | None = None
    timezone: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class _AttemptFlags(_Lenient):
    id: Id
    retry_attempt_name: str | None = Field(default=None, alias="retryAttemptName")
    done: bool = False
    success: bool = False
    cancel_requested: bool = Field(default=False, alias="cancelRequested")
    params: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = Field(default=None, alias="createdAt")
    finished_at: datetime | None = Field(default=None, alias="finishedAt")
    raw_status: str | None = Field(default=None, alias="status")
    pool_id: OptionalId = Field(default=None, alias="poolId")

    @property
    def status(self) -> AttemptStatus:
        return status_of(self)


class LastAttempt(_AttemptFlags):
    """A session's ``lastAttempt``: no index, and ``status`` only on TD."""


class Session(_Lenient):
    id: Id
    project: IdAndName
    workflow: IdAndName
    session_uuid: str | None = Field(default=None, alias="sessionUuid")
    session_time: datetime = Field(alias="sessionTime")
    last_attempt: LastAttempt | None = Field(default=None, alias="lastAttempt")


class Attempt(_AttemptFlags):
    index: int = 1
    project: IdAndName
    workflow: IdAndName
    session_id: Id = Field(alias="sessionId")
    session_uuid: str | None = Field(default=None, alias="sessionUuid")
    session_time: datetime = Field(alias="sessionTime")

    def model_post_init(self, context: Any, /) -> None:
        # Any text from TD may echo these, also where the attempt is not at hand (a log line).
        if self.params:
            SECRETS_SEEN.remember(secret_param_values(self.params))

    @property
    def session_time_text(self) -> str:
        """The session time exactly as TD wants it back in ``PUT /api/attempts``."""
        return self.session_time.isoformat()

    @property
    def duration_seconds(self) -> float | None:
        if self.created_at is None:
            return None
        end = self.finished_at or datetime.now(UTC)
        return (end - self.created_at).total_seconds()


class Task(_Lenient):
    id: Id
    full_name: str = Field(alias="fullName")
    parent_id: OptionalId = Field(default=None, alias="parentId")
    config: dict[str, Any] = Field(default_factory=dict)
    upstreams: list[Id] = Field(default_factory=list)
    is_group: bool = Field(default=False, alias="isGroup")
    state: TaskState = TaskState.UNKNOWN
    cancel_requested: bool = Field(default=False, alias="cancelRequested")
    export_params: dict[str, Any] = Field(default_factory=dict, alias="exportParams")
    store_params: dict[str, Any] = Field(default_factory=dict, alias="storeParams")
    state_params: dict[str, Any] = Field(default_factory=dict, alias="stateParams")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    retry_at: datetime | None = Field(default=None, alias="retryAt")
    started_at: datetime | None = Field(default=None, alias="startedAt")
    error: dict[str, Any] = Field(default_factory=dict)

    @property
    def operator(self) -> str | None:
        """The task's operator key, e.g. ``td>``; None for pure groups."""
        for key in self.config:
            if key.endswith(">") and not key.startswith("_"):
                return key
        return None

    @property
    def error_message(self) -> str:
        message = self.error.get("message")
        return message if isinstance(message, str) else ""


class LogFile(_Lenient):
    file_name: str = Field(alias="fileName")
    file_size: int | None = Field(default=None, alias="fileSize")
    task_name: str = Field(alias="taskName")
    file_time: datetime | None = Field(default=None, alias="fileTime")
    agent_id: str | None = Field(default=None, alias="agentId")
    direct: str | None = None


class Schedule(_Lenient):
    id: Id
    project: IdAndName
    workflow: IdAndName
    next_run_time: datetime | None = Field(default=None, alias="nextRunTime")
    next_schedule_time: datetime | None = Field(default=None, alias="nextScheduleTime")
    disabled_at: datetime | None = Field(default=None, alias="disabledAt")
