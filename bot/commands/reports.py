"""Reliability reports: `report [<scope>] [<N>d]` now, `report daily | weekly | off` on schedule."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.base import Command, CommandError, Scope
from bot.commands.reader import Reader, fold, frag

DEFAULT_DAYS = 7
MAX_DAYS = 90
CADENCES = ("daily", "weekly")
_DAYS = re.compile(r"([0-9]{1,4})(?:d|day|days)")


@dataclass(frozen=True)
class ShowReport(Command):
    """A report of ``scope`` (None: the channel's subscriptions) over the last ``days``."""

    subcommand = "report"
    scope: Scope | None = None
    days: int = DEFAULT_DAYS

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"a report covers 1-{MAX_DAYS} days, got {self.days!r}")

    def text(self) -> str:
        scope = f" {self.scope.arg()}" if self.scope is not None else ""
        return f"report{scope} {self.days}d"


@dataclass(frozen=True)
class ScheduleReport(Command):
    """Post the channel's report every day or every week (None: stop)."""

    subcommand = "report"
    cadence: str | None

    def __post_init__(self) -> None:
        if self.cadence is not None and self.cadence not in CADENCES:
            raise ValueError(f"cadence must be one of {CADENCES} or None, got {self.cadence!r}")

    def text(self) -> str:
        return f"report {self.cadence or 'off'}"


def read_report(r: Reader, args: list[str]) -> Command | CommandError:
    fix = r.usage("report")
    words = [fold(w) for w in args]
    if words and words[0] in (*CADENCES, "off"):
        if len(words) > 1:
            return CommandError(
                f"`report {words[0]}` takes nothing after it, so {frag(args[1])} is one too many",
                fix,
            )
        return ScheduleReport(None if words[0] == "off" else words[0])
    if len(args) > 2:
        return CommandError(
            f"too many arguments: `report` takes a scope and a number of days, "
            f"so {frag(args[2])} is one too many",
            fix,
        )
    scope: Scope | None = None
    days: int | None = None
    for word, folded in zip(args, words, strict=True):
        if match := _DAYS.fullmatch(folded):
            if days is not None:
                return CommandError("give the number of days once, like `report sales 7d`", fix)
            days = int(match[1])
            if not 1 <= days <= MAX_DAYS:
                return CommandError(f"a report covers 1 to {MAX_DAYS} days, not {days}", fix)
            continue
        if scope is not None:
            return CommandError(
                f"{frag(word)} is neither a number of days (`7d`) nor the only scope", fix
            )
        found = r.scope(word, "report", everything=True)
        if isinstance(found, CommandError):
            return found
        scope = found
    return ShowReport(scope, DEFAULT_DAYS if days is None else days)
