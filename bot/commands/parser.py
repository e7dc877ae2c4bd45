"""`/td` text -> Command | CommandError, over the declared subcommands. Pure: no I/O.

The same text arrives from slash commands (Slack escapes `&<>` and may wrap
links as `<url|label>`), from app mentions (`<@U123> job 1`), and from the
demo console (plain text). All three are reduced to the same tokens first;
then the first word picks a declared subcommand (``Subcommand``), whose own
parser reads the rest. Help, usage lines and suggestions come from the same
declarations.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from bot.commands.base import Command, CommandError
from bot.commands.lookups import ShowAttempt, ShowJob, ShowSession
from bot.commands.names import looks_like_name, read_by_name
from bot.commands.reader import (
    GENERAL_USAGE,
    MAX_TEXT,
    OBJECT_WORDS,
    TRAILING,
    URLISH,
    Reader,
    canonical_id,
    fold,
    frag,
    not_an_object,
)
from bot.commands.spec import Subcommand
from bot.commands.urls import parse_console_url
from bot.text import strip_control

_LEADING_MENTIONS = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^<>]*)?>\s*)+")
_SLACK_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_QUOTES = str.maketrans(dict.fromkeys("“”„‟″«»", '"') | dict.fromkeys("‘’‚‛′", "'"))
# Double quotes group words (`"my project"/daily`); single quotes only wrap them.
_TOKEN = re.compile(r"(?:\"[^\"]*\"|\"(?![^\"]*\")|[^\s\"])+")
_QUOTED = re.compile(r"\"([^\"]*)\"")


def _unslack(match: re.Match[str]) -> str:
    target, _, label = match[1].partition("|")
    if "://" in target or target.startswith("@"):
        return target
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return target  # a user group keeps its id: `owner` stores it
    if target.startswith("!"):
        return "@" + (label.lstrip("@") or target[1:].partition("^")[0])
    return label or target


def _tokens(text: str) -> list[str]:
    """The words of a command, with Slack's markup, mention and `/td` prefix removed."""
    text = _LEADING_MENTIONS.sub("", text, count=1)
    # Slack escapes what the user typed, so `&lt;url&gt;` is a link typed by hand.
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    text = _SLACK_MARKUP.sub(_unslack, text)
    text = strip_control(text).translate(_QUOTES)
    words = []
    for match in _TOKEN.finditer(text):
        word = _QUOTED.sub(r"\1", match[0]).strip("'").strip()
        if word:
            words.append(word)
    if words and fold(words[0]) == "/td":
        words = words[1:]
    return words


class Grammar:
    """The declared subcommands, read as one grammar."""

    def __init__(self, subcommands: Sequence[Subcommand[Any]]) -> None:
        self.subcommands = tuple(subcommands)
        self.by_name = {s.name: s for s in self.subcommands}
        if len(self.by_name) != len(self.subcommands):
            raise ValueError("two subcommands share a name")
        self.topics = {s.name: s.name for s in self.subcommands}
        for s in self.subcommands:
            self.topics.update(dict.fromkeys(s.aliases, s.name))

    def usage(self, name: str) -> str:
        """The usage line of a subcommand, or the pointer to help."""
        found = self.by_name.get(name)
        return found.usage if found else GENERAL_USAGE

    def example(self, name: str) -> str:
        found = self.by_name.get(name)
        return found.example if found else GENERAL_USAGE

    def parse(self, text: str, console_base: str | None = None) -> Command | CommandError:
        """Parse `/td` text (or the text of an @-mention) into a command or a specific error.

        `console_base` is the configured console URL, whose links are accepted as
        well as those of every TD console host.
        """
        if len(text) > MAX_TEXT:
            return CommandError(
                f"that is too long for a command ({len(text)} characters, at most {MAX_TEXT})",
                GENERAL_USAGE,
            )
        words = _tokens(text)
        reader = Reader(console_base, self.usage, self.example, self.topics)
        if not words:
            return self.by_name["help"].parse(reader, [])
        first, args = words[0], words[1:]
        word = reader.keyword(first)
        if word in self.topics:
            declared = self.by_name[self.topics[word]]
            if declared.names and args and looks_like_name(args[0]):
                return read_by_name(reader, declared.name, args, declared.parse)
            if word != declared.name and declared.parse_alias is not None:
                return declared.parse_alias(reader, args)
            return declared.parse(reader, args)
        if URLISH.match(first):
            return _bare_link(reader, first, args)
        ident = canonical_id(first.rstrip(TRAILING))
        if ident is not None:
            return CommandError(
                f"`{ident}` could be a job, a session or an attempt id; say which: "
                f"`job {ident}`, `session {ident}` or `attempt {ident}`",
                GENERAL_USAGE,
            )
        return self._unknown(first)

    def _unknown(self, word: str) -> CommandError:
        guess = difflib.get_close_matches(fold(word)[:64], list(self.topics), n=1, cutoff=0.6)
        if guess:
            return CommandError(
                f"unknown subcommand {frag(word)}; did you mean `{guess[0]}`?",
                self.usage(self.topics[guess[0]]),
            )
        return CommandError(
            f"unknown subcommand {frag(word)}; `/td help` lists them all", GENERAL_USAGE
        )


def _bare_link(r: Reader, word: str, args: list[str]) -> Command | CommandError:
    """A link on its own: show what it points at."""
    link = parse_console_url(word.rstrip(TRAILING) or word, r.console_base)
    understood = "/td understands links to jobs, sessions and attempts"
    if link is None:
        return CommandError(
            f"{frag(word)} is not a Treasure Data console link; {understood}", GENERAL_USAGE
        )
    if link.object_id is None or link.kind not in OBJECT_WORDS:
        return CommandError(f"{not_an_object(link)}; {understood}", GENERAL_USAGE)
    if args:
        return CommandError(
            f"too many arguments: a link alone is enough, so {frag(args[0])} is one too many",
            r.usage(link.kind),
        )
    if link.kind == "session":
        return ShowSession(link.object_id)
    if link.kind == "attempt":
        return ShowAttempt(link.object_id)
    return ShowJob(link.object_id)
