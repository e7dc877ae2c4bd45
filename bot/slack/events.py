"""``@tdbot ...``: the /td grammar (or a pasted console link), answered in a thread."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.answers import RequestContext
from bot.notify import NotifyError
from bot.slack import files
from bot.slack.deps import SlackDeps

log = logging.getLogger("bot.slack")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    # Slack gets its 200 when this returns, so it only hands the work over.
    async def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        key = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        deps.tasks.spawn(_answer_once(deps, key, event), name=f"td-mention-{event.get('channel')}")

    app.event("app_mention")(on_mention)


async def _answer_once(deps: SlackDeps, key: str, event: dict[str, Any]) -> None:
    # Checked after the ack, so a slow store cannot make Slack redeliver.
    try:
        first = await deps.seen_events.first_time(key)
    except Exception:
        # Unsure beats silent: a possible second answer is better than none.
        log.warning("could not check event %s against the store; answering", key, exc_info=True)
        first = True
    if not first:
        log.info("event %s was already answered (a Slack retry)", key)
        return
    await _answer(deps, event)


async def _answer(deps: SlackDeps, event: dict[str, Any]) -> None:
    channel = event["channel"]
    in_thread = event.get("thread_ts")
    ctx = RequestContext(
        user_id=event.get("user", ""),
        channel_id=channel,
        thread_ts=in_thread,
        thread_attempt_id=await deps.thread_attempt(channel, in_thread),
    )
    request = deps.answerer.read(event.get("text") or "")
    reply = await deps.answer(request, ctx)
    thread = in_thread or event["ts"]
    try:
        await deps.notifier.post(channel, reply, thread=thread)
        missing = await files.share(deps, channel, reply, thread_ts=thread)
        if missing is not None:
            await deps.notifier.post(channel, missing, thread=thread)
    except NotifyError:
        return  # logged and counted by the notifier; nowhere else to say it
