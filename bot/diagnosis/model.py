"""What a diagnosis returns: plain frozen values, no Slack, no I/O.

Every string that came from TD is kept raw (unescaped, unmasked): renderers must
pass it through ``bot.text`` before showing it. Evidence excerpts are already
bounded (see ``EVIDENCE_MAX_LINES`` / ``EVIDENCE_MAX_CHARS``) so a diagnosis stays
small enough to keep, log or re-render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.diagnosis.categories import Category, RetryAdvice
from bot.td.models import Attempt, AttemptStatus, Job

EVIDENCE_MAX_LINES = 40
EVIDENCE_MAX_CHARS = 4000

EvidenceSource = Literal["error", "job_stderr", "job_cmdout", "task_log"]
KillCause = Literal["task_ttl", "attempt_ttl", "person"]


@dataclass(frozen=True)
class Evidence:
    """An excerpt of one source of text; ``cut`` says lines were dropped to bound it."""

    source: EvidenceSource
    text: str
    cut: bool = False


@dataclass(frozen=True)
class Upstream:
    """The attempt a ``require>`` task waited for (diagnose that one next)."""

    session_id: str
    attempt_id: str


@dataclass(frozen=True)
class SqlLineHint:
    """Where a Trino/Hive line number points in the user's own .sql file.

    td> prepends ``header_lines`` comment lines (failures.md 1.4), so the error's
    ``reported_line`` is ``header_lines`` below ``user_line``.
    """

    reported_line: int
    column: int | None
    header_lines: int
    user_line: int

    @property
    def text(self) -> str:
        return (
            f"reported line {self.reported_line} is line {self.user_line} of the .sql file "
            f"(td> puts {self.header_lines} lines before it)"
        )


@dataclass(frozen=True)
class TaskFailure:
    task_id: str
    task_full_name: str
    operator: str | None  # "td>", "py>", ...; None for a group
    group_path: tuple[str, ...]  # full names of the enclosing groups, outermost first
    state: str  # the task's TD state: error | planned | canceled
    category: Category
    retry: RetryAdvice
    retry_note: str  # which kind of retry helps, in one or two sentences
    next_step: str  # what to look at or change first
    root_error: str  # the decisive line, one line, raw
    evidence: tuple[Evidence, ...]
    job_id: str | None
    job_url: str | None
    job_status: str | None  # the TD job's status when it was fetched
    error_handler_ran: bool  # an _error handler ran for this failure
    is_handler: bool  # this is a ^error / ^failure-alert handler task that failed itself
    upstream: Upstream | None  # require> failures: the upstream attempt
    sql_line_hint: SqlLineHint | None
    retry_count: int | None  # task-level _retry rounds done (stateParams.retry_count)
    started_at: datetime | None
    # The judgement in tdbot's own words (``judgement.py``); renderers show these
    # rather than TD's text, which stays evidence.
    verdict: str = ""  # the category, one line
    retry_line: str = ""  # the retry advice, one line
    disagreement: str | None = None  # "TD's text suggests X, but ..." when they differ
    certain: bool = True  # False: tdbot cannot tell; the verdict says what to check
    # Where in a sub-workflow it failed, outermost first, e.g. "for_each> +wf+per_day:
    # day=2024-05-03 (iteration 3)"; None at the top level.
    iteration: str | None = None
    handles: str | None = None  # a failed ^error handler: the failure it was handling
    slow_task: str | None = None  # an sla: failure: the task still running at the deadline


@dataclass(frozen=True)
class KillInfo:
    cause: KillCause
    category: Category  # KILLED_BY_TIMEOUT or KILLED_BY_PERSON
    description: str
    canceled_tasks: tuple[str, ...]  # full names of the canceled leaf tasks
    longest_task: str | None  # the canceled task that ran longest
    longest_task_hours: float | None


@dataclass(frozen=True)
class AttemptSummary:
    attempt_id: str
    index: int
    retry_attempt_name: str | None
    status: AttemptStatus
    created_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None


@dataclass(frozen=True)
class FailureStreak:
    """Consecutive failed sessions of the workflow, newest included."""

    count: int
    since: datetime | None  # session time of the oldest failed session in the streak
    first_attempt_id: str  # the last attempt of that oldest failed session
    bounded: bool  # True when the streak may be longer than the history looked at


@dataclass(frozen=True)
class ParamChange:
    key: str
    before: Any  # None when added
    after: Any  # None when removed
    kind: Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Changes:
    """What differs between the last good run and the diagnosed attempt."""

    revision_before: str | None
    revision_after: str | None
    params: tuple[ParamChange, ...]
    duration_before_seconds: float | None
    duration_after_seconds: float | None

    @property
    def revision_changed(self) -> bool:
        return (
            self.revision_before is not None
            and self.revision_after is not None
            and self.revision_before != self.revision_after
        )

    @property
    def duration_delta_seconds(self) -> float | None:
        if self.duration_before_seconds is None or self.duration_after_seconds is None:
            return None
        return self.duration_after_seconds - self.duration_before_seconds


@dataclass(frozen=True)
class LastGoodRun:
    attempt_id: str
    session_id: str
    session_time: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    changes: Changes
    attempt_url: str | None


@dataclass(frozen=True)
class Diagnosis:
    attempt: Attempt
    status: AttemptStatus
    attempt_url: str | None
    killed: KillInfo | None
    # Real failures first (in task order), then handler tasks that failed themselves.
    failures: tuple[TaskFailure, ...]
    retry_history: tuple[AttemptSummary, ...]  # all attempts of the session, by index
    streak: FailureStreak | None
    last_success: LastGoodRun | None
    nothing_failed: bool
    notes: tuple[str, ...]  # caveats, e.g. a context call that failed
    request_count: int

    @property
    def primary(self) -> TaskFailure | None:
        return self.failures[0] if self.failures else None

    def summary_line(self) -> str:
        """One raw line: what happened, for a notification or a log."""
        where = f"{self.attempt.project.name}/{self.attempt.workflow.name}"
        head = f"{where} attempt {self.attempt.id} {self.status.value}"
        if self.nothing_failed:
            return f"{head}: nothing failed"
        if self.killed is not None and not self.failures:
            return f"{head}: {self.killed.description}"
        first = self.primary
        if first is None:
            return head
        more = f" (+{len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        return (
            f"{head}: {first.task_full_name} ({first.operator or 'group'}) "
            f"{first.category.title}{more}: {first.root_error}"
        )


@dataclass(frozen=True)
class JobDiagnosis:
    """A TD job on its own (``/td diagnose job <id>``): no workflow context."""

    job: Job
    nothing_failed: bool
    category: Category | None
    retry: RetryAdvice | None
    retry_note: str
    next_step: str
    root_error: str
    evidence: tuple[Evidence, ...]
    job_url: str | None
    sql_line_hint: SqlLineHint | None
    request_count: int
    verdict: str = ""  # the category in tdbot's words, one line
    retry_line: str = ""  # the retry advice in tdbot's words, one line
    disagreement: str | None = None  # why tdbot differs from what TD's text suggests
    certain: bool = True  # False: tdbot cannot tell; the verdict says what to check
