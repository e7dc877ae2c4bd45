"""`help [subcommand]` (also `?`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.commands.base import Command, CommandError
from bot.commands.reader import Reader, frag


@dataclass(frozen=True)
class Help(Command):
    subcommand = "help"
    topic: str | None = None  # a subcommand's name, None for everything

    def text(self) -> str:
        return "help" if self.topic is None else f"help {self.topic}"


def read_help(r: Reader, args: list[str]) -> Command | CommandError:
    if error := r.arity("help", args, 1):
        return error
    if not args:
        return Help()
    topic = r.topics.get(r.keyword(args[0]))
    if topic is not None:
        return Help(topic)
    names = sorted(set(r.topics.values()))
    guess = difflib.get_close_matches(r.keyword(args[0])[:64], names, n=1, cutoff=0.6)
    hint = f"; did you mean `{guess[0]}`?" if guess else "; `/td help` lists them all"
    return CommandError(f"there is no subcommand {frag(args[0])}{hint}", r.usage("help"))
