"""``/td``: ack at once, answer through ``response_url`` when TD has replied.

Slack sends a slash command once, and a replica can die between its ack and
its answer; so the command is recorded in the store before the ack and
forgotten once answered, and ``answer_orphans`` (run on every replica) answers
the commands whose replica's lease ran out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answers import RequestContext
from bot.commands import Command, CommandError
from bot.render import render_slack
from bot.slack import files
from bot.slack.deps import SlackDeps
from bot.store import PendingCommands

log = logging.getLogger("bot.slack")

COMMAND = "/td"
# A command not answered this long after its replica took it: that replica is gone.
ORPHAN_LEASE = timedelta(seconds=90)


async def take(deps: SlackDeps, command: Mapping[str, str]) -> dict[str, Any]:
    """The ack of a ``/td`` command (a response body); one that needs TD is answered
    in the background. Bolt's listener (Socket Mode) and ``CommandLane`` (HTTP) both ack
    with it."""
    request = deps.answerer.read(command.get("text") or "")
    ctx = RequestContext(user_id=command["user_id"], channel_id=command["channel_id"])
    if isinstance(request, CommandError) or deps.answerer.is_instant(request):
        reply = await deps.answer(request, ctx)
        message = render_slack(reply)
        return {
            "text": message.text,
            "blocks": message.blocks,
            "response_type": "ephemeral" if reply.private else "in_channel",
        }
    url = command["response_url"]
    pending = await _remember(deps, command, url)  # before the ack: then it cannot be lost
    answer = _answer(deps, request, ctx, url, pending)
    deps.tasks.spawn(answer, name=f"td-command-{ctx.channel_id}")
    return {"text": deps.answerer.working_text(request), "response_type": "ephemeral"}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_td(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(**await take(deps, command))

    app.command(COMMAND)(on_td)


async def _answer(
    deps: SlackDeps, request: Command, ctx: RequestContext, url: str, pending: int | None
) -> None:
    reply = await deps.answer(request, ctx)
    await deps.tasks.after_acks()  # rendering and sending are the answer's other half
    await deps.notifier.respond(url, reply, public=not reply.private)
    missing = await files.share(deps, ctx.channel_id, reply, thread_ts=None)
    if missing is not None:
        await deps.notifier.respond(url, missing, public=False)
    if pending is not None and deps.pending is not None:
        await _forget(deps.pending, pending)


async def answer_orphans(deps: SlackDeps, *, lease: timedelta = ORPHAN_LEASE) -> int:
    """Answer the commands whose replica died after acking them; how many were taken."""
    if deps.pending is None:
        return 0
    orphans = await deps.pending.orphans(lease=lease)
    for orphan in orphans:
        log.info("answering slash command %d, acked by a replica that stopped", orphan.id)
        request = deps.answerer.read(orphan.text)
        ctx = RequestContext(user_id=orphan.user_id, channel_id=orphan.channel_id)
        if isinstance(request, CommandError):  # not recorded, but the text may read otherwise now
            reply = await deps.answer(request, ctx)
            await deps.notifier.respond(orphan.response_url, reply, public=False)
            await _forget(deps.pending, orphan.id)
            continue
        await _answer(deps, request, ctx, orphan.response_url, orphan.id)
    return len(orphans)


async def _remember(deps: SlackDeps, command: Mapping[str, str], url: str) -> int | None:
    if deps.pending is None:
        return None
    try:
        return await deps.pending.add(
            url,
            command.get("text") or "",
            user_id=command["user_id"],
            channel_id=command["channel_id"],
        )
    except Exception:  # the store is down: answer anyway, as a lone process would
        log.warning("could not record a slash command; only this process can answer it")
        return None


async def _forget(pending: PendingCommands, command_id: int) -> None:
    try:
        await pending.done(command_id)
    except Exception:  # at worst another replica answers it again after the lease
        log.warning("could not mark slash command %d answered", command_id)
