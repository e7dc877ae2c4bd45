"""`/td help [subcommand]`: the grammar with examples, from the declared subcommands."""

from __future__ import annotations

from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services
from bot.commands import Help, Subcommand, read_help
from bot.message import Message, mrkdwn

_FOOTER = (
    "The same words work after an @-mention of tdbot (`@tdbot job 123`); console links "
    "work wherever an id does."
)


def _entry(entry: Subcommand[object]) -> str:
    return (
        f"{mrkdwn.code(entry.usage, 300)}\n{mrkdwn.text(entry.summary, 600)} "
        f"· e.g. {mrkdwn.code(entry.example, 200)}"
    )


async def show_help(command: Help, ctx: RequestContext, services: Services) -> Message:
    declared = services.grammar.subcommands
    entries = [e for e in declared if command.topic in (None, e.name)] or list(declared)
    title = "tdbot: /td commands" if len(entries) > 1 else f"/td {entries[0].name}"
    return Message(
        title=title,
        text=title + ": " + "; ".join(e.usage for e in entries),
        emoji=":information_source:",
        sections=mrkdwn.pack(_entry(e) for e in entries),
        context=(_FOOTER,),
        private=True,
    )


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "help",
        "/td help [subcommand]",
        "this list, or one subcommand",
        "/td help mute",
        read_help,
        show_help,
        aliases=("?",),
    ),
)
