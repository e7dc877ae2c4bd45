"""`<project>/<workflow>` in place of an attempt id: that workflow's newest failed attempt.

Parsing stays pure: a subcommand declared with ``names=True`` reads a first
argument with a `/` (and no console link) as a ``ByName``. The rest of its words
are checked now, against a stand-in id, so a bad `from` or `with` is answered at
once; the answer layer resolves the name against TD and reads the command again
with the id it found (``with_id``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.base import Command, CommandError, Scope, quoted
from bot.commands.reader import URLISH, Reader
from bot.commands.spec import Parse

_STAND_IN = "1"


@dataclass(frozen=True)
class ByName(Command):
    """`verb project/workflow rest...`: the subcommand `verb` about the newest failed attempt."""

    subcommand = "by-name"
    verb: str
    scope: Scope
    rest: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scope.project is None or self.scope.workflow is None:
            raise ValueError("a name stands for an attempt only as <project>/<workflow>")

    def text(self) -> str:
        return " ".join((self.verb, self.scope.arg(), *map(quoted, self.rest)))

    def with_id(self, attempt_id: str) -> str:
        """The same command with the attempt id in place of the name, as `/td` text."""
        return " ".join((self.verb, attempt_id, *map(quoted, self.rest)))

    def subject(self) -> tuple[str, str]:
        return ("workflow", str(self.scope))


def looks_like_name(word: str) -> bool:
    return "/" in word and not URLISH.match(word)


def read_by_name(r: Reader, verb: str, args: list[str], parse: Parse) -> Command | CommandError:
    """``args[0]`` as `<project>/<workflow>`, the rest checked by the subcommand's own parser."""
    scope = r.scope(args[0], verb, everything=False)
    if isinstance(scope, CommandError):
        return scope
    if scope.workflow is None:
        return CommandError(
            f"`{verb}` takes an attempt id, or <project>/<workflow> for that workflow's "
            "newest failed attempt",
            r.usage(verb),
        )
    checked = parse(r, [_STAND_IN, *args[1:]])
    if isinstance(checked, CommandError):
        return checked
    return ByName(verb, scope, tuple(args[1:]))
