"""Admin actions: `retry` and `kill` (an attempt, or `kill job`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.base import Command, CommandError, check_id
from bot.commands.reader import OBJECT_WORDS, Reader, fold
from bot.commands.urls import ObjectKind


@dataclass(frozen=True)
class Retry(Command):
    subcommand = "retry"
    attempt_id: str
    # With TD's allowQueueing: offered by a button when TD is at its limit of running
    # attempts, so it has no words of its own.
    queue: bool = False

    def __post_init__(self) -> None:
        check_id(self.attempt_id, "attempt_id")

    def text(self) -> str:
        return f"retry {self.attempt_id}"

    def subject(self) -> tuple[str, str]:
        return ("attempt", self.attempt_id)


@dataclass(frozen=True)
class Kill(Command):
    subcommand = "kill"
    attempt_id: str

    def __post_init__(self) -> None:
        check_id(self.attempt_id, "attempt_id")

    def text(self) -> str:
        return f"kill {self.attempt_id}"

    def subject(self) -> tuple[str, str]:
        return ("attempt", self.attempt_id)


@dataclass(frozen=True)
class KillJob(Command):
    subcommand = "kill"
    job_id: str

    def __post_init__(self) -> None:
        check_id(self.job_id, "job_id")

    def text(self) -> str:
        return f"kill job {self.job_id}"

    def subject(self) -> tuple[str, str]:
        return ("job", self.job_id)


def _suggest(kind: ObjectKind, ident: str) -> str:
    if kind == "attempt":
        return f"kill {ident}"
    return f"kill job {ident}" if kind == "job" else f"{kind} {ident}"


def read_retry(r: Reader, args: list[str]) -> Command | CommandError:
    found = r.single_object("retry", args, ("attempt",))
    return found if isinstance(found, CommandError) else Retry(found[1])


def read_kill(r: Reader, args: list[str]) -> Command | CommandError:
    kind = OBJECT_WORDS.get(fold(args[0])) if args else None
    if kind == "session":
        return CommandError(
            "`kill` stops an attempt or a job, not a session; "
            "find the session's attempt with `session <id>`",
            r.usage("kill"),
        )
    if kind is not None:
        found = r.single_object(f"kill {kind}", args[1:], (kind,), _suggest)
    else:
        found = r.single_object("kill", args, ("attempt", "job"), _suggest)
    if isinstance(found, CommandError):
        return found
    resolved, ident = found
    return KillJob(ident) if (resolved or kind) == "job" else Kill(ident)
