"""The confirmation dialog of a Retry or Kill button (Block Kit ``confirm``).

Everything returned is plain text (Slack does not parse it), within Block Kit's
limits: title 100, text 300, button labels 30 characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.actions.retry_plan import RetryPlan
from bot.store import ActionKind
from bot.td.models import Attempt, Job
from bot.text import plain

TITLE_LIMIT = 100
TEXT_LIMIT = 300
BUTTON_LIMIT = 30


@dataclass(frozen=True)
class Target:
    """What an action would act on; the optional parts are raw TD text."""

    id: str
    project: str | None = None
    workflow: str | None = None
    session_time: datetime | None = None
    status: str | None = None
    job_type: str | None = None
    database: str | None = None

    @classmethod
    def from_attempt(cls, attempt: Attempt) -> Target:
        return cls(
            id=attempt.id,
            project=attempt.project.name,
            workflow=attempt.workflow.name,
            session_time=attempt.session_time,
            status=attempt.status.value,
        )

    @classmethod
    def from_job(cls, job: Job) -> Target:
        return cls(id=job.job_id, job_type=job.type, database=job.database, status=job.status.value)

    @property
    def details(self) -> str:
        """``sales/daily, session 2024-06-01 02:00 +09:00, error`` (what is known of it)."""
        parts: list[str] = []
        if self.project and self.workflow:
            parts.append(f"{self.project}/{self.workflow}")
        if self.session_time is not None:
            parts.append(f"session {session_time_text(self.session_time)}")
        if self.job_type:
            parts.append(f"{self.job_type} on {self.database}" if self.database else self.job_type)
        if self.status:
            parts.append(self.status)
        return ", ".join(parts)


class ConfirmPrompt(NamedTuple):
    title: str
    text: str
    confirm: str
    deny: str


class _Wording(NamedTuple):
    title: str
    question: str  # {id}, {details} and {task} are filled in
    after: str
    confirm: str


_WORDING = {
    ActionKind.RETRY: _Wording(
        "Retry failed tasks?",
        "Retry the failed tasks of attempt {id}{details}?",
        " Tasks that succeeded are not run again.",
        "Retry failed tasks",
    ),
    ActionKind.KILL: _Wording(
        "Kill attempt?",
        "Kill attempt {id}{details}?",
        " Its running tasks will be canceled.",
        "Kill attempt",
    ),
    ActionKind.KILL_JOB: _Wording("Kill TD job?", "Kill TD job {id}{details}?", "", "Kill job"),
    ActionKind.BACKFILL: _Wording(
        "Run the backfill?",
        "Run the backfill of schedule {id}{details}?",
        " The sessions TD's dry run listed start now.",
        "Run backfill",
    ),
}


_FROM = _Wording(
    "Rerun from a task?",
    "Rerun attempt {id}{details} from {task}?",
    " That task and every task after it run again.",
    "Rerun from task",
)


def confirm_prompt(
    kind: ActionKind, target: Target, plan: RetryPlan | None = None
) -> ConfirmPrompt:
    wording, task = _WORDING[ActionKind(kind)], ""
    if plan is not None and plan.from_task is not None:
        wording, task = _FROM, plain(plan.from_task, 80)
    if plan is not None and plan.changes:
        keys = ", ".join(change.key for change in plan.changes)
        wording = wording._replace(after=wording.after + plain(f" New params: {keys}.", 120))
    bare = wording.question.format(id=target.id, details="", task=task) + wording.after
    details = target.details
    if details:
        # TD names are cut (not the question) when a long name would overflow the text.
        room = TEXT_LIMIT - len(bare) - len(" ()")
        shown = f" ({plain(details, room)})"
        text = wording.question.format(id=target.id, details=shown, task=task)
        text += wording.after
    else:
        text = bare
    return ConfirmPrompt(wording.title, text, wording.confirm, "Cancel")


def session_time_text(when: datetime) -> str:
    """``2024-06-01 02:00 +09:00``: the workflow's local time, as TD shows it."""
    offset = when.isoformat()[-6:] if when.utcoffset() is not None else "UTC"
    return f"{when:%Y-%m-%d %H:%M} {offset}"
