"""Buttons: Diagnose answers in the message's thread; link buttons only need an ack.

Retry, Kill and Mute buttons (``ActionId``) belong to the actions issue and
register their own listeners here.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answers import ActionId, RequestContext
from bot.commands import AttemptTarget, Diagnose, JobTarget
from bot.render import render
from bot.slack import delivery
from bot.slack.deps import SlackDeps

log = logging.getLogger("bot.slack")

# Slack cannot post into a thread of a channel the bot is not in; answer in place then.
_NOT_POSTABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def _diagnose_command(value: str) -> Diagnose | None:
    try:
        payload = json.loads(value)
        if payload.get("job_id"):
            return Diagnose(JobTarget(str(payload["job_id"])))
        return Diagnose(AttemptTarget(str(payload["attempt_id"])))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_link(ack: AsyncAck) -> None:
        await ack()

    async def on_diagnose(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        command = _diagnose_command(action.get("value", ""))
        if command is None:
            log.warning("Diagnose button with a bad value: %.200r", action.get("value"))
            return
        deps.tasks.spawn(_diagnose(deps, body, command), name="td-diagnose-button")

    app.action(re.compile(r"^tdbot\.link\.\d+$"))(on_link)
    app.action(ActionId.DIAGNOSE.value)(on_diagnose)


async def _diagnose(deps: SlackDeps, body: dict[str, Any], command: Diagnose) -> None:
    channel = (body.get("channel") or {}).get("id", "")
    container = body.get("container") or {}
    message = body.get("message") or {}
    thread_ts = message.get("thread_ts") or container.get("message_ts")
    ctx = RequestContext(
        user_id=(body.get("user") or {}).get("id", ""), channel_id=channel, thread_ts=thread_ts
    )
    reply = await deps.answer(command, ctx)
    rendered = render(reply)
    response_url = body.get("response_url")
    if not container.get("is_ephemeral") and thread_ts:
        refused = await delivery.post_in_thread(
            deps.client, channel, thread_ts, rendered, metrics=deps.metrics
        )
        if refused not in _NOT_POSTABLE:
            return
    if response_url:
        await delivery.respond(
            response_url, rendered, public=not reply.private, metrics=deps.metrics
        )
