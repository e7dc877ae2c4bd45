"""The sandbox account's records and the indexes the APIs page through.

Records are plain mutable objects guarded by the sandbox lock; the wire shapes
live in ``wire.py``. Ids are ints here and strings on the wire. Every id comes
from a counter that only grows and records are created in time order, so each
index list is sorted by id simply by appending.
"""

from __future__ import annotations

import gzip
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.realise import LogEvent, render
from bot.sandbox.timefmt import zone
from bot.sandbox.tree import TaskNode, operator_of

DONE_TASK_STATES = frozenset({"success", "group_error", "error", "canceled"})


@dataclass(eq=False, slots=True)
class Revision:
    name: str
    created_at: datetime
    archive_md5: str
    user_email: str


@dataclass(eq=False, slots=True)
class Project:
    id: int
    name: str
    site_id: int  # the TD account id, part of Digdag's thread names
    created_at: datetime
    revisions: list[Revision] = field(default_factory=list)
    # Latest revision's definitions by name; older ones stay reachable by id.
    workflows: dict[str, WorkflowDef] = field(default_factory=dict)

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]


@dataclass(eq=False, slots=True)
class WorkflowDef:
    id: int
    project: Project
    name: str
    revision: str
    timezone: str
    config: dict[str, Any]
    tree: TaskNode


@dataclass(eq=False, slots=True)
class Session:
    id: int
    project: Project
    workflow_name: str
    uuid: str
    time: datetime  # aware, in the workflow's time zone
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def last_attempt(self) -> Attempt:
        return self.attempts[-1]


@dataclass(eq=False, slots=True)
class Attempt:
    id: int
    index: int
    session: Session
    workflow: WorkflowDef
    retry_attempt_name: str | None
    params: dict[str, Any]
    created_at: datetime
    pool_id: str
    agent_id: str  # the agent (pid@host) that runs its tasks, named in log file names
    done: bool = False
    success: bool = False
    cancel_requested: bool = False
    finished_at: datetime | None = None
    tasks: list[Task] = field(default_factory=list)
    queued: bool = False  # waiting for the account's attempt limit (allowQueueing)
    deleted: bool = False  # TD no longer has it (Store.remove_attempt): its run stops here

    @property
    def status(self) -> str:
        """TD's status enum (td-api.md 3.2), derived the way TD documents it."""
        if self.queued and not self.done:
            return "queued"
        if self.success:
            return "success"
        if self.done:
            return "killed" if self.cancel_requested else "error"
        return "canceling" if self.cancel_requested else "running"

    @property
    def root(self) -> Task:
        return self.tasks[0]

    def task(self, full_name: str) -> Task | None:
        return next((t for t in self.tasks if t.full_name == full_name), None)


@dataclass(eq=False, slots=True)
class LogFile:
    """One uploaded task-log file; its text is rendered when first asked for."""

    task_name: str
    time: datetime  # of the first line
    agent_id: str
    thread: str
    events: tuple[LogEvent, ...]
    step: timedelta  # between consecutive events
    _gz: bytes | None = None

    @property
    def file_name(self) -> str:
        # LogFiles.formatFileName: <task>@<8-hex epoch seconds><8-hex nanos>.<agent>.log.gz
        seconds = int(self.time.timestamp())
        nanos = self.time.microsecond * 1000
        return f"{self.task_name}@{seconds:08x}{nanos:08x}.{self.agent_id}.log.gz"

    @property
    def lines(self) -> list[str]:
        return render(self.events, self.thread, self.time, self.step)

    @property
    def gz(self) -> bytes:
        if self._gz is None:
            text = "".join(line + "\n" for line in self.lines)
            # mtime=0: the same content always gives the same bytes.
            self._gz = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
        return self._gz


@dataclass(eq=False, slots=True)
class Task:
    id: int
    attempt: Attempt
    full_name: str
    node: TaskNode | None  # None for generated tasks (^error, ^failure-alert)
    parent: Task | None
    config: dict[str, Any]
    is_group: bool
    updated_at: datetime
    upstreams: list[Task] = field(default_factory=list)
    children: list[Task] = field(default_factory=list)
    state: str = "blocked"
    cancel_requested: bool = False
    export_params: dict[str, Any] = field(default_factory=dict)
    store_params: dict[str, Any] = field(default_factory=dict)
    state_params: dict[str, Any] = field(default_factory=dict)
    retry_at: datetime | None = None
    started_at: datetime | None = None
    error: dict[str, Any] = field(default_factory=dict)
    logs: list[LogFile] = field(default_factory=list)
    job: Job | None = None
    delayed_group_error: bool = False
    run_token: int = 0  # the finish event that may still end this task

    @property
    def done(self) -> bool:
        return self.state in DONE_TASK_STATES

    @property
    def operator(self) -> str | None:
        return self.node.operator if self.node is not None else operator_of(self.config)


@dataclass(eq=False, slots=True)
class Job:
    id: int
    type: str
    query: str | dict[str, Any]
    database: str
    user_name: str
    created_at: datetime
    status: str = "queued"
    updated_at: datetime | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    cpu_time: int | None = None
    result_size: int | None = None
    num_records: int | None = None
    result: str = ""
    priority: int = 0
    retry_limit: int = 0
    hive_result_schema: list[list[str]] | None = None
    cmdout: str | None = None
    stderr: str | None = None
    # Healthy jobs print their cmdout on demand (jobs.cmdout): most are never read.
    render_cmdout: bool = False
    engine_version: str | None = None
    query_id: str = ""
    task: Task | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("success", "error", "killed")

    @property
    def duration(self) -> int | None:
        if self.start_at is None or self.end_at is None:
            return None
        return int((self.end_at - self.start_at).total_seconds())


@dataclass(eq=False, slots=True)
class Table:
    id: int
    name: str
    schema: list[list[str]]
    count: int
    estimated_storage_size: int
    created_at: datetime
    updated_at: datetime
    counter_updated_at: datetime | None
    last_log_timestamp: datetime | None
    expire_days: int | None = None


@dataclass(eq=False, slots=True)
class Database:
    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    permission: str = "administrator"
    delete_protected: bool = False
    tables: list[Table] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Schedule:
    id: int
    project: Project
    workflow_name: str
    kind: str  # daily | hourly
    offset_seconds: int  # daily: seconds after midnight; hourly: after the hour
    timezone: str
    next_schedule_time: datetime  # aware, in the workflow's time zone
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def step_seconds(self) -> int:
        return 86400 if self.kind == "daily" else 3600

    @property
    def next_run_time(self) -> datetime:
        return self.next_schedule_time + timedelta(seconds=self.offset_seconds)

    def advance(self) -> None:
        """Move to the following session time (wall-clock days in the zone, like Digdag)."""
        local = self.next_schedule_time.astimezone(zone(self.timezone)).replace(tzinfo=None)
        following = local + timedelta(seconds=self.step_seconds)
        self.next_schedule_time = following.replace(tzinfo=zone(self.timezone))


class IdIndex:
    """Ids in ascending order, paged newest first like sessions and attempts."""

    __slots__ = ("ids",)

    def __init__(self) -> None:
        self.ids: list[int] = []

    def add(self, item_id: int) -> None:
        if self.ids and item_id <= self.ids[-1]:
            raise ValueError(f"ids must grow: {item_id} after {self.ids[-1]}")
        self.ids.append(item_id)

    def discard(self, item_id: int) -> None:
        at = bisect_left(self.ids, item_id)
        if at < len(self.ids) and self.ids[at] == item_id:
            del self.ids[at]

    def descending(self, last_id: int | None) -> Iterator[int]:
        """Ids below ``last_id`` (exclusive), newest first."""
        end = len(self.ids) if last_id is None else bisect_left(self.ids, last_id)
        for i in range(end - 1, -1, -1):
            yield self.ids[i]


class Ids:
    """Counters that look like a real account's (ids of 2024-era TD).

    They start above every id the corpus texts quote (e.g. the upstream attempt of
    its require> case), so such an id never lands on an unrelated record here.
    """

    def __init__(self) -> None:
        self._next = {
            "project": 501234,
            "workflow": 8812345,
            "session": 98800001,
            "attempt": 412400001,
            "task": 2300100001,
            "job": 2187700001,
            "schedule": 71001,
            "table": 20391001,
            "database": 801,
        }

    def next(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value


@dataclass(eq=False, slots=True)
class Store:
    """Every record of the account plus the indexes the list endpoints need."""

    account_id: int
    user_name: str
    pool_id: str = "1201"  # TD's attempt pool; one pool serves the whole account here
    ids: Ids = field(default_factory=Ids)
    projects: dict[int, Project] = field(default_factory=dict)
    workflows: dict[int, WorkflowDef] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    attempts: dict[int, Attempt] = field(default_factory=dict)
    jobs: dict[int, Job] = field(default_factory=dict)
    schedules: dict[int, Schedule] = field(default_factory=dict)
    databases: dict[str, Database] = field(default_factory=dict)
    session_index: IdIndex = field(default_factory=IdIndex)
    attempt_index: IdIndex = field(default_factory=IdIndex)
    job_index: IdIndex = field(default_factory=IdIndex)
    project_sessions: dict[int, IdIndex] = field(default_factory=dict)
    project_attempts: dict[int, IdIndex] = field(default_factory=dict)
    workflow_sessions: dict[tuple[int, str], IdIndex] = field(default_factory=dict)
    workflow_attempts: dict[tuple[int, str], IdIndex] = field(default_factory=dict)
    session_by_key: dict[tuple[int, str, datetime], Session] = field(default_factory=dict)

    def project_by_name(self, name: str) -> Project | None:
        return next((p for p in self.projects.values() if p.name == name), None)

    def add_session(self, session: Session) -> None:
        key = (session.project.id, session.workflow_name)
        self.sessions[session.id] = session
        self.session_index.add(session.id)
        self.project_sessions.setdefault(session.project.id, IdIndex()).add(session.id)
        self.workflow_sessions.setdefault(key, IdIndex()).add(session.id)
        self.session_by_key[(*key, session.time)] = session

    def add_attempt(self, attempt: Attempt) -> None:
        session = attempt.session
        key = (session.project.id, session.workflow_name)
        session.attempts.append(attempt)
        self.attempts[attempt.id] = attempt
        self.attempt_index.add(attempt.id)
        self.project_attempts.setdefault(session.project.id, IdIndex()).add(attempt.id)
        self.workflow_attempts.setdefault(key, IdIndex()).add(attempt.id)

    def remove_attempt(self, attempt: Attempt) -> None:
        """TD no longer has the attempt: gone from lookups and listings alike. A session
        left without attempts goes too (Digdag has no session without one)."""
        session = attempt.session
        key = (session.project.id, session.workflow_name)
        attempt.deleted = True
        session.attempts.remove(attempt)
        del self.attempts[attempt.id]
        self.attempt_index.discard(attempt.id)
        self.project_attempts[session.project.id].discard(attempt.id)
        self.workflow_attempts[key].discard(attempt.id)
        if session.attempts:
            return
        del self.sessions[session.id]
        self.session_index.discard(session.id)
        self.project_sessions[session.project.id].discard(session.id)
        self.workflow_sessions[key].discard(session.id)
        self.session_by_key.pop((*key, session.time), None)

    def add_job(self, job: Job) -> None:
        self.jobs[job.id] = job
        self.job_index.add(job.id)
