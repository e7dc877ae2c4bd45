"""The buttons tdbot puts on messages: action ids, value payloads and builders.

Answers and alerts offer the same buttons, so they share this one set: the
Slack layer (``bot/slack/actions.py``) registers one listener per id and reads
one value format with ``command_of``. A button's ``value`` is compact JSON:

- ``tdbot.diagnose``: ``{"attempt_id": "123"}`` or ``{"job_id": "456"}``
- ``tdbot.retry_failed``: ``{"attempt_id": "123"}``, resuming the failed tasks
- ``tdbot.retry_queued``: ``{"attempt_id": "123"}``, the same with TD's ``allowQueueing``
- ``tdbot.kill``: ``{"attempt_id": "123"}`` or ``{"job_id": "456"}``
- ``tdbot.mute``: ``{"project": "p", "workflow": "w" | null, "duration": "4h"}``
- ``tdbot.on_it`` (I'm on it), ``tdbot.release``, ``tdbot.take_over``:
  ``{"attempt_id": "123"}``, the attempt the alert describes (read by ``alert_of``;
  they act on the alert's thread, not through a command)

Buttons are ``bot.message.Button`` values: labels and dialogs are raw text,
which the renderers make safe.
Buttons that change production carry the full confirmation dialog of
``bot.actions.confirm_prompt``; the click is checked again (admin, state, once
per button) by ``bot.actions.ActionService`` whatever the button showed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from bot.actions import Target, confirm_prompt
from bot.commands import (
    AttemptTarget,
    Command,
    Diagnose,
    JobTarget,
    Kill,
    KillJob,
    Mute,
    Retry,
    Scope,
    parse_duration,
)
from bot.message import Button, Confirm
from bot.store import ActionKind
from bot.td.models import Attempt, AttemptStatus, Job, JobStatus

MUTE_DURATION = "4h"


class ActionId(StrEnum):
    """``action_id`` of each button; the module docstring lists their payloads."""

    DIAGNOSE = "tdbot.diagnose"
    RETRY_FAILED = "tdbot.retry_failed"
    RETRY_QUEUED = "tdbot.retry_queued"
    KILL = "tdbot.kill"
    MUTE = "tdbot.mute"
    ON_IT = "tdbot.on_it"
    RELEASE = "tdbot.release"
    TAKE_OVER = "tdbot.take_over"


ON_IT_BUTTONS = (ActionId.ON_IT, ActionId.RELEASE, ActionId.TAKE_OVER)


def _button(
    action_id: ActionId,
    label: str,
    payload: dict[str, str | None],
    *,
    style: Literal["primary", "danger"] | None = None,
    confirm: Confirm | None = None,
) -> Button:
    value = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return Button(action_id.value, label, value, style=style, confirm=confirm)


# ------------------------------------------------------------------- builders

_UNFINISHED_JOB = frozenset({JobStatus.QUEUED, JobStatus.BOOTING, JobStatus.RUNNING})
_ACTING: dict[ActionKind, tuple[ActionId, Literal["primary", "danger"]]] = {
    ActionKind.RETRY: (ActionId.RETRY_FAILED, "primary"),
    ActionKind.KILL: (ActionId.KILL, "danger"),
    ActionKind.KILL_JOB: (ActionId.KILL, "danger"),
}


def diagnose_button(attempt_id: str) -> Button:
    return _button(ActionId.DIAGNOSE, "Diagnose", {"attempt_id": attempt_id})


def diagnose_job_button(job_id: str) -> Button:
    return _button(ActionId.DIAGNOSE, "Diagnose", {"job_id": job_id})


def action_button(kind: ActionKind, target: Target) -> Button:
    """The button that retries or kills ``target``, behind its confirmation dialog."""
    prompt = confirm_prompt(kind, target)
    action_id, style = _ACTING[ActionKind(kind)]
    key = "job_id" if kind is ActionKind.KILL_JOB else "attempt_id"
    return _button(
        action_id,
        prompt.confirm,
        {key: target.id},
        style=style,
        confirm=Confirm(prompt.title, prompt.text, prompt.confirm, prompt.deny),
    )


def queue_button(attempt_id: str) -> Button:
    """Retry again, queued by TD until a running attempt ends (after an AT_LIMIT refusal)."""
    return _button(
        ActionId.RETRY_QUEUED,
        "Queue the retry",
        {"attempt_id": attempt_id},
        style="primary",
        confirm=Confirm(
            "Queue the retry?",
            f"TD will start the retry of attempt {attempt_id} as soon as one of the account's "
            "running attempts ends.",
            "Queue it",
        ),
    )


def mute_button(project: str, workflow: str) -> Button:
    """Silence the channel's alerts of one workflow for a while.

    No confirmation: it changes nothing at TD and ``/td unmute`` undoes it.
    """
    return _button(
        ActionId.MUTE,
        f"Mute {MUTE_DURATION}",
        {"project": project, "workflow": workflow, "duration": MUTE_DURATION},
    )


def on_it_button(attempt_id: str, *, taken: bool) -> Button:
    """I'm on it while nobody is; Release once someone is (anyone may press either)."""
    if taken:
        return _button(ActionId.RELEASE, "Release", {"attempt_id": attempt_id})
    return _button(ActionId.ON_IT, "I'm on it", {"attempt_id": attempt_id}, style="primary")


def take_over_button(attempt_id: str) -> Button:
    return _button(ActionId.TAKE_OVER, "Take it over", {"attempt_id": attempt_id})


def attempt_buttons(attempt: Attempt) -> tuple[Button, ...]:
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


def job_buttons(job: Job) -> tuple[Button, ...]:
    """Kill for a job that is queued or running."""
    if job.status not in _UNFINISHED_JOB:
        return ()
    return (action_button(ActionKind.KILL_JOB, Target.from_job(job)),)


# ------------------------------------------------------------------- clicks


def alert_of(value: str) -> str | None:
    """The attempt id an I'm on it / Release / Take it over button carries, if readable."""
    try:
        payload = json.loads(value)
        attempt_id = str(payload["attempt_id"]) if isinstance(payload, dict) else ""
    except (ValueError, TypeError, KeyError):
        return None
    return attempt_id if attempt_id.isdigit() and len(attempt_id) <= 19 else None


def command_of(action_id: str, value: str) -> Command | None:
    """The command a click asks for; None when the id or its value cannot be read.

    The value comes back from Slack, so it is checked like typed input: the
    command's own validation rejects ids and names that are not canonical.
    """
    try:
        button = ActionId(action_id)
        payload = json.loads(value)
        if not isinstance(payload, dict):
            return None
        return _command(button, payload)
    except (ValueError, TypeError, KeyError):
        return None


def _command(button: ActionId, payload: Mapping[str, Any]) -> Command | None:
    job_id = payload.get("job_id")
    match button:
        case ActionId.DIAGNOSE if job_id:
            return Diagnose(JobTarget(str(job_id)))
        case ActionId.DIAGNOSE:
            return Diagnose(AttemptTarget(str(payload["attempt_id"])))
        case ActionId.RETRY_FAILED:
            return Retry(str(payload["attempt_id"]))
        case ActionId.RETRY_QUEUED:
            return Retry(str(payload["attempt_id"]), queue=True)
        case ActionId.KILL if job_id:
            return KillJob(str(job_id))
        case ActionId.KILL:
            return Kill(str(payload["attempt_id"]))
        case ActionId.MUTE:
            duration = parse_duration(str(payload["duration"]))
            if duration is None:
                return None
            workflow = payload.get("workflow")
            if workflow is not None and not isinstance(workflow, str):
                return None
            return Mute(Scope(str(payload["project"]), workflow), duration)
        case _:  # I'm on it and its kin act on the alert, not through a command (alert_of)
            return None
