"""What the workflow's history says about a failed attempt: its failing streak, and what
changed since its last good run (revision, params, duration).

Optional context: a TD call that fails here becomes a note, not an error.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from bot.aio import first_error_group
from bot.diagnosis import history
from bot.diagnosis.model import FailureStreak, LastGoodRun
from bot.td import TDClient
from bot.td.errors import TDError
from bot.td.models import Attempt
from bot.td.urls import attempt_url

T = TypeVar("T")
HISTORY_PAGE = 100  # attempts of the workflow looked at for the streak and last success


@dataclass(frozen=True)
class Context:
    streak: FailureStreak | None
    last_success: LastGoodRun | None


async def workflow_context(
    td: TDClient, attempt: Attempt, notes: list[str], console_base: str | None
) -> Context:
    workflow_id = attempt.workflow.id
    async with first_error_group() as group:
        recent_call = group.create_task(
            optional(
                td.attempts_page(
                    project=attempt.project.name,
                    workflow=attempt.workflow.name,
                    include_retried=True,
                    page_size=HISTORY_PAGE,
                ),
                notes,
                "the workflow's recent attempts",
            )
        )
        workflow_call = (
            group.create_task(optional(td.workflow(workflow_id), notes, "the workflow"))
            if workflow_id
            else None
        )
    recent = recent_call.result()
    workflow = workflow_call.result() if workflow_call else None
    if recent is None:
        return Context(streak=None, last_success=None)
    streak = history.failure_streak(attempt, recent, complete=len(recent) < HISTORY_PAGE)
    good = history.last_success(attempt, recent)
    if good is None:
        if attempt.status.failed:
            notes.append(f"No successful run among the workflow's last {len(recent)} attempts.")
        return Context(streak=streak, last_success=None)
    revision_after = workflow.revision if workflow else None
    revision_before = revision_after
    if good.workflow.id != workflow_id:
        # Each project revision has its own workflow definition id.
        good_workflow = (
            await optional(td.workflow(good.workflow.id), notes, "the last good run's workflow")
            if good.workflow.id
            else None
        )
        revision_before = good_workflow.revision if good_workflow else None
    return Context(
        streak=streak,
        last_success=LastGoodRun(
            attempt_id=good.id,
            session_id=good.session_id,
            session_time=good.session_time,
            finished_at=good.finished_at,
            duration_seconds=good.duration_seconds if good.finished_at else None,
            changes=history.changes(
                good, attempt, revision_before=revision_before, revision_after=revision_after
            ),
            attempt_url=attempt_link(console_base, good),
        ),
    )


def attempt_link(console_base: str | None, attempt: Attempt) -> str | None:
    if not console_base or not attempt.workflow.id:
        return None
    return attempt_url(console_base, attempt.workflow.id, attempt.session_id, attempt.id)


async def optional(aw: Awaitable[T], notes: list[str], what: str) -> T | None:
    try:
        return await aw
    except TDError as exc:
        notes.append(f"Could not read {what}: {exc.message or type(exc).__name__}.")
        return None
