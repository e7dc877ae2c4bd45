"""A channel's alerts: `subscribe`, `unsubscribe`, `subscriptions`, `mute`, `unmute`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.commands.base import Command, CommandError, Scope
from bot.commands.durations import MAX_MUTE, MIN_MUTE, format_duration, parse_duration
from bot.commands.reader import Reader, fold


@dataclass(frozen=True)
class Subscribe(Command):
    subcommand = "subscribe"
    scope: Scope

    def text(self) -> str:
        return f"subscribe {self.scope.arg()}"


@dataclass(frozen=True)
class Unsubscribe(Command):
    subcommand = "unsubscribe"
    scope: Scope

    def text(self) -> str:
        return f"unsubscribe {self.scope.arg()}"


@dataclass(frozen=True)
class ListSubscriptions(Command):
    subcommand = "subscriptions"

    def text(self) -> str:
        return "subscriptions"


@dataclass(frozen=True)
class Mute(Command):
    subcommand = "mute"
    scope: Scope
    duration: timedelta

    def __post_init__(self) -> None:
        if not MIN_MUTE <= self.duration <= MAX_MUTE:
            raise ValueError(f"duration must be 1 minute to 30 days, got {self.duration}")

    def text(self) -> str:
        return f"mute {self.scope.arg()} {format_duration(self.duration)}"


@dataclass(frozen=True)
class Unmute(Command):
    subcommand = "unmute"
    scope: Scope

    def text(self) -> str:
        return f"unmute {self.scope.arg()}"


def read_subscribe(r: Reader, args: list[str]) -> Command | CommandError:
    scope = r.scoped("subscribe", args)
    return scope if isinstance(scope, CommandError) else Subscribe(scope)


def read_unsubscribe(r: Reader, args: list[str]) -> Command | CommandError:
    scope = r.scoped("unsubscribe", args)
    return scope if isinstance(scope, CommandError) else Unsubscribe(scope)


def read_subscriptions(r: Reader, args: list[str]) -> Command | CommandError:
    return r.arity("subscriptions", args, 0) or ListSubscriptions()


def read_unmute(r: Reader, args: list[str]) -> Command | CommandError:
    scope = r.scoped("unmute", args)
    return scope if isinstance(scope, CommandError) else Unmute(scope)


def read_mute(r: Reader, args: list[str]) -> Command | CommandError:
    if error := r.arity("mute", args, 2, "a project (optionally /workflow) and a duration"):
        return error
    if len(args) == 1:
        missing = "a project" if parse_duration(fold(args[0])) else "a duration"
        return CommandError(
            f"`mute` needs {missing} too, like `mute sales_etl/daily 4h`", r.usage("mute")
        )
    scope_word, duration_word = args
    # Either order is fine as long as only one of the two reads as a duration.
    if parse_duration(fold(duration_word)) is None and parse_duration(fold(scope_word)):
        scope_word, duration_word = duration_word, scope_word
    duration = r.duration(duration_word, "mute")
    if isinstance(duration, CommandError):
        return duration
    scope = r.scope(scope_word, "mute", everything=True)
    return scope if isinstance(scope, CommandError) else Mute(scope, duration)
