"""`diagnose` (and `why`): an attempt, a session's last attempt, a job, or the thread's attempt."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.base import (
    AttemptTarget,
    Command,
    CommandError,
    DiagnoseTarget,
    JobTarget,
    SessionTarget,
)
from bot.commands.reader import OBJECT_WORDS, TRAILING, URLISH, Reader, canonical_id, fold
from bot.commands.urls import ObjectKind


@dataclass(frozen=True)
class Diagnose(Command):
    """`target is None`: the attempt of the alert thread, which the caller supplies."""

    subcommand = "diagnose"
    target: DiagnoseTarget | None = None

    def text(self) -> str:
        match self.target:
            case AttemptTarget(attempt_id=attempt_id):
                return f"diagnose {attempt_id}"
            case SessionTarget(session_id=session_id):
                return f"diagnose session {session_id}"
            case JobTarget(job_id=job_id):
                return f"diagnose job {job_id}"
        return "diagnose"

    def subject(self) -> tuple[str, str] | None:
        match self.target:
            case AttemptTarget(attempt_id=ident):
                return ("attempt", ident)
            case SessionTarget(session_id=ident):
                return ("session", ident)
            case JobTarget(job_id=ident):
                return ("job", ident)
        return None


def _suggest(kind: ObjectKind, ident: str) -> str:
    return f"diagnose {ident}" if kind == "attempt" else f"diagnose {kind} {ident}"


def read_diagnose(r: Reader, args: list[str]) -> Command | CommandError:
    if not args:
        return Diagnose(None)
    kind = OBJECT_WORDS.get(fold(args[0]))
    if kind is not None:
        found = r.single_object(f"diagnose {kind}", args[1:], (kind,), _suggest)
    else:
        if error := r.arity("diagnose", args, 1):
            return error
        found = r.object(args[0], ("attempt", "session", "job"), "diagnose", _suggest)
    if isinstance(found, CommandError):
        return found
    resolved, ident = found
    if (resolved or kind) == "job":
        return Diagnose(JobTarget(ident))
    if (resolved or kind) == "session":
        return Diagnose(SessionTarget(ident))
    return Diagnose(AttemptTarget(ident))


def read_why(r: Reader, args: list[str]) -> Command | CommandError:
    """`why` also reads as a question ("why did it fail?"): prose means the thread's attempt."""
    result = read_diagnose(r, args)
    if isinstance(result, CommandError) and not any(
        URLISH.match(word) or canonical_id(word.rstrip(TRAILING)) for word in args
    ):
        return Diagnose(None)
    return result
