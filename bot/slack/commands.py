"""``/td``: ack at once, answer through ``response_url`` when TD has replied."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answers import RequestContext
from bot.commands import Command, CommandError
from bot.render import render_slack
from bot.slack import files
from bot.slack.deps import SlackDeps

COMMAND = "/td"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_td(ack: AsyncAck, command: dict[str, Any]) -> None:
        request = deps.answerer.read(command.get("text") or "")
        ctx = RequestContext(user_id=command["user_id"], channel_id=command["channel_id"])
        if isinstance(request, CommandError) or deps.answerer.is_instant(request):
            reply = await deps.answer(request, ctx)
            message = render_slack(reply)
            await ack(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral" if reply.private else "in_channel",
            )
            return
        await ack(text=deps.answerer.working_text(request), response_type="ephemeral")
        deps.tasks.spawn(
            _answer(deps, request, ctx, command["response_url"]),
            name=f"td-command-{ctx.channel_id}",
        )

    app.command(COMMAND)(on_td)


async def _answer(deps: SlackDeps, request: Command, ctx: RequestContext, url: str) -> None:
    reply = await deps.answer(request, ctx)
    await deps.notifier.respond(url, reply, public=not reply.private)
    missing = await files.share(deps, ctx.channel_id, reply, thread_ts=None)
    if missing is not None:
        await deps.notifier.respond(url, missing, public=False)
