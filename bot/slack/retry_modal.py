"""The Retry… modal: how to retry (failed tasks, or from a task) and which params, in Slack.

The button (``tdbot.retry_how``) opens the modal (``views.open``) for admins only:
anyone else is refused and audited, and TD sees no request. The modal lists the
attempt's tasks, failed ones first, and its params as editable ``key=value``
lines. Its submission is checked like typed input and acts through the same path
as a button (``carry_out``): admin check, rate limit, audit, and a key made of
the view id, so a double submit acts once.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.buttons import ActionId
from bot.commands import Retry
from bot.commands.admin import MAX_PARAMS, Params, check_params
from bot.present.actions import outcome_reply
from bot.slack.actions import Click, carry_out, tell
from bot.slack.deps import SlackDeps
from bot.store import ActionKind
from bot.td import errors
from bot.td.models import Attempt, Task, TaskState
from bot.text import plain

log = logging.getLogger("bot.slack")

CALLBACK = "tdbot.retry_how"
_FAILED, _FROM = "failed", "from"
_OPTIONS = 100  # Block Kit's limit for a static_select
_OPTION_TEXT = 75
_OPTION_VALUE = 150
_SCALARS = (str, int, float, bool)
_KEPT_PARAMS = 2500  # private_metadata holds 3000 characters


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        click = Click.of(body, action)
        trigger = str(body.get("trigger_id", ""))
        deps.tasks.spawn(_open(deps, client, click, trigger), name="td-retry-modal")

    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        read = read_submission(view)
        if isinstance(read, dict):
            await ack(response_action="errors", errors=read)
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        click = Click(
            action_id=CALLBACK,
            value="",
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=str(meta.get("channel_id", "")),
            # One key per modal: submitting the same view twice acts once.
            message_ts=str(view.get("id", "")),
            thread_ts=meta.get("thread_ts"),
            ephemeral=False,
            response_url=None,
        )
        deps.tasks.spawn(carry_out(deps, click, read), name="td-retry-modal-submit")

    app.action(ActionId.RETRY_HOW.value)(on_click)
    app.view(CALLBACK)(on_submit)


async def _open(deps: SlackDeps, client: AsyncWebClient, click: Click, trigger: str) -> None:
    actions = deps.actions
    try:
        attempt_id = str(json.loads(click.value)["attempt_id"])
    except (ValueError, TypeError, KeyError):
        log.warning("retry modal button with a bad value: %.200r", click.value)
        return
    if actions is None:
        return
    if not actions.authorize(click.user_id):
        refused = await actions.refuse(
            ActionKind.RETRY,
            click.user_id,
            attempt_id,
            channel_id=click.channel_id,
            thread_ts=click.thread_ts,
        )
        await tell(deps, click, outcome_reply(refused))
        return
    try:
        attempt = await deps.answerer.services.td.attempt(attempt_id)
        tasks = await deps.answerer.services.td.tasks(attempt_id)
    except errors.TDError as exc:
        log.info("retry modal: reading attempt %s failed: %s", attempt_id, exc)
        return
    view = retry_view(attempt, tasks, channel_id=click.channel_id, thread_ts=click.thread_ts)
    try:
        await client.views_open(trigger_id=trigger, view=view)
    except SlackApiError as exc:
        log.warning("retry modal: views.open failed: %s", exc.response.get("error"))


def retry_view(
    attempt: Attempt, tasks: list[Task], *, channel_id: str, thread_ts: str | None
) -> dict[str, Any]:
    """The modal: the attempt, how to retry it, from which task, with which params."""
    failed = [t for t in tasks if t.state is TaskState.ERROR]
    rest = [
        t for t in tasks if t not in failed and t.parent_id is not None and "^" not in t.full_name
    ]
    options = [_option(t.full_name) for t in [*failed, *rest][:_OPTIONS]]
    params = "\n".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in attempt.params.items()
        if isinstance(value, _SCALARS)
    )
    about = plain(
        f"Attempt {attempt.id} of {attempt.project.name}/{attempt.workflow.name} "
        f"({attempt.status.value}). Params left as they are do not change.",
        2000,
    )
    how = [_option("Failed tasks only", _FAILED), _option("From the task below", _FROM)]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "plain_text", "text": about}},
        {
            "type": "input",
            "block_id": "how",
            "label": _text("Retry"),
            "element": {
                "type": "radio_buttons",
                "action_id": "how",
                "options": how,
                "initial_option": how[0],
            },
        },
    ]
    if options:
        blocks.append(
            {
                "type": "input",
                "block_id": "task",
                "optional": True,
                "label": _text("From task (failed ones first)"),
                "element": {"type": "static_select", "action_id": "task", "options": options},
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": "params",
            "optional": True,
            "label": _text("Params (key=value, one a line)"),
            "element": {
                "type": "plain_text_input",
                "action_id": "params",
                "multiline": True,
                **({"initial_value": params[:3000]} if params else {}),
            },
        }
    )
    meta: dict[str, Any] = {
        "attempt_id": attempt.id,
        "channel_id": channel_id,
        "thread_ts": thread_ts,
    }
    if len(params) <= _KEPT_PARAMS:
        meta["shown"] = params  # lines left as shown are not sent as changes
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": _text("Retry attempt"),
        "submit": _text("Retry"),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def read_submission(view: dict[str, Any]) -> Retry | dict[str, str]:
    """The retry the modal asks for, or Slack's per-block errors to show in it."""
    values = (view.get("state") or {}).get("values") or {}
    meta = json.loads(view.get("private_metadata") or "{}")
    how = ((values.get("how") or {}).get("how") or {}).get("selected_option") or {}
    task = ((values.get("task") or {}).get("task") or {}).get("selected_option") or {}
    text = ((values.get("params") or {}).get("params") or {}).get("value") or ""
    from_task: str | None = None
    if how.get("value") == _FROM:
        from_task = task.get("value")
        if not from_task:
            return {"task": "Pick the task to rerun from."}
    shown = set(str(meta.get("shown", "")).splitlines())
    params = _params("\n".join(line for line in text.splitlines() if line not in shown))
    if isinstance(params, str):
        return {"params": params}
    try:
        return Retry(str(meta["attempt_id"]), from_task=from_task, params=params)
    except (KeyError, ValueError):
        return {"params": "This retry cannot be read; close the form and try again."}


def _params(text: str) -> Params | str:
    read: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            return f"`{line[:40]}` is not key=value"
        read[key.strip()] = value
    if len(read) > MAX_PARAMS:
        return f"at most {MAX_PARAMS} params"
    params = tuple(read.items())
    try:
        check_params(params)
    except ValueError:
        return "keys are letters, digits, `_`, `.` and `-`; values at most 1000 characters"
    return params


def _text(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _option(text: str, value: str | None = None) -> dict[str, Any]:
    return {
        "text": _text(plain(text, _OPTION_TEXT) or "?"),
        "value": (value or text)[:_OPTION_VALUE],
    }
