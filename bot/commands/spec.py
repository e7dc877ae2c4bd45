"""A subcommand declared once: its name, usage, help, example, parser and handler.

Help text, the parser table and the handler map all derive from the
declarations (``Grammar``), so a new subcommand touches two files: its command
value and parser (a ``bot.commands`` module) and its handler with this
declaration (a ``bot.answers`` module). ``handler`` is whatever the layer that
declares it runs; the grammar itself never calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.commands.base import Command, CommandError

if TYPE_CHECKING:
    from bot.commands.reader import Reader

H = TypeVar("H")
Parse = Callable[["Reader", list[str]], Command | CommandError]


@dataclass(frozen=True)
class Subcommand(Generic[H]):
    name: str
    usage: str  # plain text; backticks mark code
    summary: str  # what it answers, one line
    example: str
    parse: Parse  # the words after the name -> a command, or what is wrong with them
    handler: H
    # Other words for it (`why` for diagnose): parsed by ``parse_alias`` or ``parse``.
    aliases: tuple[str, ...] = ()
    parse_alias: Parse | None = None
    # Takes `<project>/<workflow>` where its first argument is an attempt id
    # (``bot.commands.names``): the workflow's newest failed attempt.
    names: bool = False


AnySubcommand = Subcommand[Any]
