"""The buttons tdbot puts on messages: action ids, value payloads and builders.

Answers and alerts offer the same buttons, so they share this one set: the
Slack layer (``bot/slack/actions.py``) registers one listener per id and reads
one value format with ``command_of``. A button's ``value`` is compact JSON:

- ``tdbot.diagnose``: ``{"attempt_id": "123"}`` or ``{"job_id": "456"}``
- ``tdbot.retry_failed``: ``{"attempt_id": "123"}``, resuming the failed tasks, plus
  ``"from": "+wf+task"`` to rerun from a task and ``"params": {"k": "v"}`` to override params
- ``tdbot.retry_queued``: ``{"attempt_id": "123"}``, the same with TD's ``allowQueueing``
- ``tdbot.backfill``: ``{"schedule_id": "7", "from": "<instant>", "count": 3,
  "name": "tdbot-backfill-…"}``, the backfill a dry run showed
- ``tdbot.retry_how``: ``{"attempt_id": "123"}``, opening the Retry… modal
- ``tdbot.kill``: ``{"attempt_id": "123"}`` or ``{"job_id": "456"}``
- ``tdbot.mute``: ``{"project": "p", "workflow": "w" | null, "duration": "4h"}``
- ``tdbot.on_it`` (I'm on it), ``tdbot.release``, ``tdbot.take_over``:
  ``{"attempt_id": "123"}``, the attempt the alert describes, or for a silent alert
  with no attempt ``{"subject": "slot:7:2026-12-06T07:00:00Z"}`` (its thread's key);
  read by ``alert_of``; they act on the alert's thread, not through a command

Buttons are ``bot.message.Button`` values: labels and dialogs are raw text,
which the renderers make safe.
Buttons that change production carry the full confirmation dialog of
``bot.actions.confirm_prompt``; the click is checked again (admin, state, once
per button) by ``bot.actions.ActionService`` whatever the button showed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from bot.actions import BackfillPlan, RetryPlan, Target, confirm_prompt
from bot.commands import (
    AttemptTarget,
    Command,
    Diagnose,
    JobTarget,
    Kill,
    KillJob,
    Mute,
    Retry,
    RunBackfill,
    Scope,
    parse_duration,
)
from bot.message import Button, Confirm
from bot.store import ActionKind
from bot.td.models import Attempt, AttemptStatus, Job, JobStatus

MUTE_DURATION = "4h"

# A silent alert's thread key without a session: bot.silent.findings.slot_subject /
# schedule_subject (this module sits beside them, so it spells their shape).
_SUBJECT = re.compile(r"(slot|schedule):[0-9]{1,19}:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z")


class ActionId(StrEnum):
    """``action_id`` of each button; the module docstring lists their payloads."""

    DIAGNOSE = "tdbot.diagnose"
    RETRY_FAILED = "tdbot.retry_failed"
    RETRY_QUEUED = "tdbot.retry_queued"
    RETRY_HOW = "tdbot.retry_how"  # opens the Retry… modal (bot/slack/retry_modal.py)
    KILL = "tdbot.kill"
    BACKFILL = "tdbot.backfill"
    MUTE = "tdbot.mute"
    ON_IT = "tdbot.on_it"
    RELEASE = "tdbot.release"
    TAKE_OVER = "tdbot.take_over"


ON_IT_BUTTONS = (ActionId.ON_IT, ActionId.RELEASE, ActionId.TAKE_OVER)


def _button(
    action_id: ActionId,
    label: str,
    payload: dict[str, Any],
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


def action_button(kind: ActionKind, target: Target, plan: RetryPlan | None = None) -> Button:
    """The button that retries or kills ``target``, behind its confirmation dialog; a
    retry's ``plan`` (from a task, with params) travels in the value."""
    prompt = confirm_prompt(kind, target, plan)
    action_id, style = _ACTING[ActionKind(kind)]
    key = "job_id" if kind is ActionKind.KILL_JOB else "attempt_id"
    payload: dict[str, Any] = {key: target.id}
    if plan is not None and plan.from_task is not None:
        payload["from"] = plan.from_task
    if plan is not None and plan.changes:
        payload["params"] = {change.key: change.text for change in plan.changes}
    return _button(
        action_id,
        prompt.confirm,
        payload,
        style=style,
        confirm=Confirm(prompt.title, prompt.text, prompt.confirm, prompt.deny),
    )


def backfill_button(plan: BackfillPlan) -> Button:
    """Run the backfill the dry run showed, under the dry run's attempt name."""
    run = plan.run
    target = Target(run.schedule_id, project=plan.project, workflow=plan.workflow)
    prompt = confirm_prompt(ActionKind.BACKFILL, target)
    return _button(
        ActionId.BACKFILL,
        prompt.confirm,
        {
            "schedule_id": run.schedule_id,
            "from": run.from_time,
            "count": run.count,
            "name": run.attempt_name,
        },
        style="primary",
        confirm=Confirm(prompt.title, prompt.text, prompt.confirm, prompt.deny),
    )


def retry_how_button(attempt_id: str) -> Button:
    """Retry…: a modal to choose how (failed tasks, or from a task) and edit params."""
    return _button(ActionId.RETRY_HOW, "Retry…", {"attempt_id": attempt_id})


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


def on_it_button(alert: str, *, taken: bool) -> Button:
    """I'm on it while nobody is; Release once someone is (anyone may press either).

    ``alert``: the attempt id, or the thread subject of a silent alert with no attempt.
    """
    if taken:
        return _button(ActionId.RELEASE, "Release", _alert_payload(alert))
    return _button(ActionId.ON_IT, "I'm on it", _alert_payload(alert), style="primary")


def take_over_button(alert: str) -> Button:
    return _button(ActionId.TAKE_OVER, "Take it over", _alert_payload(alert))


def _alert_payload(alert: str) -> dict[str, Any]:
    return {"attempt_id": alert} if alert.isdigit() else {"subject": alert}


def attempt_buttons(attempt: Attempt) -> tuple[Button, ...]:
    """Retry, Retry… and Mute for a failed attempt, Kill for a running one, else nothing."""
    status = attempt.status
    if status.failed:
        return (
            action_button(ActionKind.RETRY, Target.from_attempt(attempt)),
            retry_how_button(attempt.id),
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
    """The attempt id (or silent subject) an I'm on it / Release / Take it over button
    carries, if readable."""
    try:
        payload = json.loads(value)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if "subject" in payload:
        subject = str(payload["subject"])
        return subject if _SUBJECT.fullmatch(subject) else None
    attempt_id = str(payload.get("attempt_id", ""))
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
            params = payload.get("params") or {}
            from_task = payload.get("from")
            if not isinstance(params, dict) or not isinstance(from_task, str | None):
                return None
            return Retry(
                str(payload["attempt_id"]),
                from_task=from_task,
                params=tuple((str(k), str(v)) for k, v in params.items()),
            )
        case ActionId.RETRY_QUEUED:
            return Retry(str(payload["attempt_id"]), queue=True)
        case ActionId.BACKFILL:
            count = payload["count"]
            if not isinstance(count, int):
                return None
            return RunBackfill(
                str(payload["schedule_id"]), str(payload["from"]), count, str(payload["name"])
            )
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
        case _:
            # Retry… opens a modal (a command only once it is submitted); I'm on it and
            # its kin act on the alert itself (alert_of), not through a command.
            return None
