"""Reading a subcommand's arguments: ids and console links, scopes, limits, durations.

Each subcommand's parser (in its family module) gets a ``Reader``, which knows
the configured console (for links) and every declared subcommand (for usage
lines and examples in its errors). Errors echo the user's words through
``frag``: masked, short, and unable to end the code span they sit in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from bot.commands.base import MAX_ID, MAX_LIMIT, CommandError, Scope
from bot.commands.durations import MAX_MUTE, MIN_MUTE, parse_duration
from bot.commands.urls import OBJECT_KINDS, ConsoleLink, ObjectKind, parse_console_url
from bot.text import cut, plain

MAX_TEXT = 4000  # well above any real command; keeps parsing cheap on pasted logs
MAX_NAME = 255
GENERAL_USAGE = "/td help"
TRAILING = ".,;:!?)"
OBJECT_WORDS: dict[str, ObjectKind] = {kind: kind for kind in OBJECT_KINDS}
URLISH = re.compile(r"[a-z][a-z0-9+.\-]*://|console[\w\-.]*\.treasuredata\.", re.IGNORECASE)
_FRAGMENT = 40
_EXAMPLE_ID = {"job": "12345", "session": "4567", "attempt": "98765"}
_DIGITS = re.compile(r"[0-9]+")


def fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def frag(word: str) -> str:
    """User text echoed in a message: secrets masked, short, and unable to end the code span."""
    shown = cut(plain(word, MAX_TEXT), _FRAGMENT, marker="…")
    return "`" + shown.replace("`", "\u02cb") + "`"


def article(noun: str) -> str:
    """`a job`, `an attempt`."""
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def canonical_id(word: str) -> str | None:
    digits = fold(word).lstrip("#").lstrip("0")
    # NFKC can turn one character into several digits; int() refuses >4300 of them.
    if len(digits) > len(str(MAX_ID)) or not _DIGITS.fullmatch(digits):
        return None
    number = int(digits)
    return str(number) if 0 < number <= MAX_ID else None


def not_an_object(link: ConsoleLink) -> str:
    if link.kind in ("workflow", "project"):
        return f"that URL is a console {link.kind} page"
    return "that console URL does not point at a job, a session or an attempt"


class Reader:
    def __init__(
        self,
        console_base: str | None,
        usage: Callable[[str], str],
        example: Callable[[str], str],
        topics: Mapping[str, str],
    ) -> None:
        self.console_base = console_base
        self.usage = usage  # a subcommand's usage line, or the pointer to help
        self._example = example
        # Every word that names a subcommand (aliases too) -> the subcommand's name.
        self.topics = topics

    def keyword(self, word: str) -> str:
        """The word as a subcommand name, tolerating case, width and a trailing `?` or `:`."""
        folded = fold(word)
        trimmed = folded.rstrip("?!.,:;")
        return trimmed if folded not in self.topics and trimmed in self.topics else folded

    def arity(
        self, name: str, args: Sequence[str], most: int, needs: str | None = None, example: str = ""
    ) -> CommandError | None:
        """An error when `args` has too many words, or none though `needs` something."""
        help_name = name.split()[0]
        example = example or self._example(help_name).removeprefix("/td ")
        if needs is not None and not args:
            return CommandError(f"`{name}` needs {needs}, like `{example}`", self.usage(help_name))
        if len(args) > most:
            extra = args[most]
            counted = f"at most {('one', 'two')[most - 1]} argument{'s' * (most > 1)}"
            takes = "nothing" if most == 0 else needs or counted
            return CommandError(
                f"too many arguments: `{name}` takes {takes}, so {frag(extra)} is one too many",
                self.usage(help_name),
            )
        return None

    def object(
        self,
        word: str,
        want: Sequence[ObjectKind],
        name: str,
        suggest: Callable[[ObjectKind, str], str] | None = None,
    ) -> tuple[ObjectKind | None, str] | CommandError:
        """An id or console link of one of the `want` kinds; kind None for a bare id."""
        noun = want[0]
        word = word.rstrip(TRAILING) or word
        fix = self.usage(name.split()[0])
        if URLISH.match(word):
            link = parse_console_url(word, self.console_base)
            if link is None:
                return CommandError(f"{frag(word)} is not a Treasure Data console link", fix)
            if link.kind not in OBJECT_KINDS or link.object_id is None:
                return CommandError(
                    f"{not_an_object(link)}; `{name}` needs {article(noun)} id or link", fix
                )
            if link.kind not in want:
                instead = (suggest or _look_up)(link.kind, link.object_id)
                return CommandError(
                    f"that URL is {article(link.kind)} link, but `{name}` takes "
                    f"{article(noun)}; for that {link.kind} use `{instead}`",
                    fix,
                )
            return link.kind, link.object_id
        ident = canonical_id(word)
        if ident is None:
            return CommandError(
                f"{frag(word)} is not {article(noun)} id: {noun} ids are numbers, "
                f"like `{name} {_EXAMPLE_ID[noun]}`",
                fix,
            )
        return None, ident

    def single_object(
        self,
        name: str,
        args: list[str],
        want: Sequence[ObjectKind],
        suggest: Callable[[ObjectKind, str], str] | None = None,
    ) -> tuple[ObjectKind | None, str] | CommandError:
        noun = want[0]
        needs = f"{article(noun)} id or link"
        error = self.arity(name, args, 1, needs, f"{name} {_EXAMPLE_ID[noun]}")
        return error or self.object(args[0], want, name, suggest)

    def scope(self, word: str, name: str, *, everything: bool) -> Scope | CommandError:
        fix = self.usage(name)
        if word == "*":
            if everything:
                return Scope(None)
            return CommandError(f"`{name}` needs a project, not `*`", fix)
        if URLISH.match(word):
            return CommandError(
                f"`{name}` takes a project name (optionally /workflow), not a link", fix
            )
        if word[0] in "#@":
            what = "a channel" if word[0] == "#" else "a mention"
            return CommandError(
                f"{frag(word)} looks like {what}; `{name}` takes a project name, "
                "and acts on the channel it is used in",
                fix,
            )
        if len(word) > MAX_NAME or '"' in word:
            return CommandError(f"{frag(word)} is not a project name", fix)
        parts = [part.strip() for part in word.split("/")]
        if len(parts) > 2:
            return CommandError(
                f"{frag(word)} is not a scope: write <project> or <project>/<workflow>", fix
            )
        project = parts[0]
        workflow = parts[1] if len(parts) == 2 and parts[1] not in ("", "*") else None
        if not project or project == "*":
            return CommandError(f"{frag(word)} has no project name before the `/`", fix)
        return Scope(project, workflow)

    def scoped(self, name: str, args: list[str]) -> Scope | CommandError:
        """The one argument of a subcommand that takes a scope, `*` included."""
        error = self.arity(name, args, 1, "a project (optionally /workflow) or `*`")
        return error or self.scope(args[0], name, everything=True)

    def limit(self, word: str, name: str) -> int | CommandError:
        folded = fold(word)
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", folded) or not 1 <= int(folded) <= MAX_LIMIT:
            return CommandError(
                f"N must be 1-{MAX_LIMIT}, and {frag(word)} is not", self.usage(name)
            )
        return int(folded)

    def duration(self, word: str, name: str) -> timedelta | CommandError:
        folded = fold(word)
        duration = parse_duration(folded)
        fix = self.usage(name)
        if duration is None:
            if _DIGITS.fullmatch(folded) and len(folded) <= 7:
                return CommandError(
                    f"{frag(word)} needs a unit: {folded}m, {folded}h or {folded}d", fix
                )
            return CommandError(f"{frag(word)} is not a duration: use 30m, 4h or 2d", fix)
        if duration < MIN_MUTE:
            return CommandError("a mute lasts at least 1 minute", fix)
        if duration > MAX_MUTE:
            return CommandError("a mute lasts at most 30 days", fix)
        return duration


def _look_up(kind: ObjectKind, ident: str) -> str:
    return f"{kind} {ident}"
