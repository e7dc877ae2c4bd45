"""Retry, Kill and Mute buttons: what a reply offers to do about an attempt or a job.

Buttons that change production carry the full confirmation dialog of
``bot.actions.confirm_prompt``; the click is checked again (admin, state, once
per button) by ``bot.actions.ActionService`` whatever the button showed.
"""

from __future__ import annotations

from typing import Literal

from bot.actions import Target, confirm_prompt
from bot.alerts.message import MUTE_DURATION
from bot.answers.reply import Action, ActionId, Confirm
from bot.store import ActionKind
from bot.td.models import Attempt, AttemptStatus, Job, JobStatus

_UNFINISHED_JOB = frozenset({JobStatus.QUEUED, JobStatus.BOOTING, JobStatus.RUNNING})
_BUTTON: dict[ActionKind, tuple[ActionId, Literal["primary", "danger"]]] = {
    ActionKind.RETRY: (ActionId.RETRY_FAILED, "primary"),
    ActionKind.KILL: (ActionId.KILL, "danger"),
    ActionKind.KILL_JOB: (ActionId.KILL, "danger"),
}


def action_button(kind: ActionKind, target: Target) -> Action:
    """The button that retries or kills ``target``, behind its confirmation dialog."""
    prompt = confirm_prompt(kind, target)
    action_id, style = _BUTTON[ActionKind(kind)]
    key = "job_id" if kind is ActionKind.KILL_JOB else "attempt_id"
    return Action(
        action_id,
        prompt.confirm,
        {key: target.id},
        style=style,
        confirm=Confirm(prompt.title, prompt.text, prompt.confirm, prompt.deny),
    )


def mute_button(project: str, workflow: str) -> Action:
    """Silence the channel's alerts of one workflow for a while.

    No confirmation: it changes nothing at TD and ``/td unmute`` undoes it.
    """
    return Action(
        ActionId.MUTE,
        f"Mute {MUTE_DURATION}",
        {"project": project, "workflow": workflow, "duration": MUTE_DURATION},
    )


def attempt_buttons(attempt: Attempt) -> tuple[Action, ...]:
    """Retry and Mute for a failed attempt, Kill for a running one, nothing otherwise."""
    status = attempt.status
    if status.failed:
        return (
            action_button(ActionKind.RETRY, Target.from_attempt(attempt)),
            mute_button(attempt.project.name, attempt.workflow.name),
        )
    if status in (AttemptStatus.QUEUED, AttemptStatus.RUNNING):
        return (action_button(ActionKind.KILL, Target.from_attempt(attempt)),)
    return ()


def job_buttons(job: Job) -> tuple[Action, ...]:
    """Kill for a job that is queued or running."""
    if job.status not in _UNFINISHED_JOB:
        return ()
    return (action_button(ActionKind.KILL_JOB, Target.from_job(job)),)
