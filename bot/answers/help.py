"""`/td help [subcommand]`: the grammar with examples, straight from bot.commands.HELP."""

from __future__ import annotations

from bot.answers import mrkdwn
from bot.answers.context import RequestContext
from bot.answers.reply import Reply
from bot.answers.services import Services
from bot.commands import HELP, Help, HelpEntry

_FOOTER = (
    "The same words work after an @-mention of tdbot (`@tdbot job 123`); console links "
    "work wherever an id does."
)


def _entry(entry: HelpEntry) -> str:
    return (
        f"{mrkdwn.code(entry.usage, 300)}\n{mrkdwn.text(entry.description, 600)} "
        f"· e.g. {mrkdwn.code(entry.example, 200)}"
    )


async def show_help(command: Help, ctx: RequestContext, services: Services) -> Reply:
    entries = [e for e in HELP if command.topic in (None, e.name)] or list(HELP)
    title = "tdbot: /td commands" if len(entries) > 1 else f"/td {entries[0].name}"
    return Reply(
        title=title,
        text=title + ": " + "; ".join(e.usage for e in entries),
        emoji=":information_source:",
        sections=mrkdwn.pack(_entry(e) for e in entries),
        context=(_FOOTER,),
        private=True,
    )
