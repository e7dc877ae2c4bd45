"""Lookups: `job`, `jobs`, `session`, `sessions`, `attempt`, `timeline` (values and parsers)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.commands.base import (
    DEFAULT_LIMIT,
    JOB_STATUSES,
    Command,
    CommandError,
    Scope,
    check_id,
    check_limit,
)
from bot.commands.reader import Reader, fold, frag
from bot.td.models import JobStatus

_STATUS_ALIASES = {"failed": JobStatus.ERROR, "succeeded": JobStatus.SUCCESS}


@dataclass(frozen=True)
class ShowJob(Command):
    subcommand = "job"
    job_id: str

    def __post_init__(self) -> None:
        check_id(self.job_id, "job_id")

    def text(self) -> str:
        return f"job {self.job_id}"

    def subject(self) -> tuple[str, str]:
        return ("job", self.job_id)


@dataclass(frozen=True)
class ListJobs(Command):
    subcommand = "jobs"
    status: JobStatus | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        check_limit(self.limit)
        if self.status is JobStatus.UNKNOWN:
            raise ValueError("status must be a real job status")

    def text(self) -> str:
        return " ".join(["jobs", *([self.status.value] if self.status else []), str(self.limit)])


@dataclass(frozen=True)
class ShowSession(Command):
    subcommand = "session"
    session_id: str

    def __post_init__(self) -> None:
        check_id(self.session_id, "session_id")

    def text(self) -> str:
        return f"session {self.session_id}"

    def subject(self) -> tuple[str, str]:
        return ("session", self.session_id)


@dataclass(frozen=True)
class ListSessions(Command):
    subcommand = "sessions"
    project: str
    workflow: str | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        Scope(self.project, self.workflow)
        check_limit(self.limit)

    def text(self) -> str:
        return f"sessions {Scope(self.project, self.workflow).arg()} {self.limit}"

    def subject(self) -> tuple[str, str]:
        return ("project", self.project)


@dataclass(frozen=True)
class ShowAttempt(Command):
    subcommand = "attempt"
    attempt_id: str

    def __post_init__(self) -> None:
        check_id(self.attempt_id, "attempt_id")

    def text(self) -> str:
        return f"attempt {self.attempt_id}"

    def subject(self) -> tuple[str, str]:
        return ("attempt", self.attempt_id)


@dataclass(frozen=True)
class Timeline(Command):
    subcommand = "timeline"
    attempt_id: str

    def __post_init__(self) -> None:
        check_id(self.attempt_id, "attempt_id")

    def text(self) -> str:
        return f"timeline {self.attempt_id}"

    def subject(self) -> tuple[str, str]:
        return ("attempt", self.attempt_id)


def read_job(r: Reader, args: list[str]) -> Command | CommandError:
    found = r.single_object("job", args, ("job",))
    return found if isinstance(found, CommandError) else ShowJob(found[1])


def read_jobs(r: Reader, args: list[str]) -> Command | CommandError:
    if error := r.arity("jobs", args, 2):
        return error
    status: JobStatus | None = None
    limit: int | None = None
    for word in args:
        folded = fold(word)
        if re.fullmatch(r"[+-]?[0-9]+", folded):
            if limit is not None:
                return CommandError("give N only once", r.usage("jobs"))
            parsed = r.limit(word, "jobs")
            if isinstance(parsed, CommandError):
                return parsed
            limit = parsed
            continue
        named = _job_status(folded)
        if named is None:
            guess = difflib.get_close_matches(folded[:64], [*JOB_STATUSES], n=1, cutoff=0.6)
            hint = f"did you mean `{guess[0]}`? " if guess else ""
            return CommandError(
                f"{frag(word)} is not a job status or a number; {hint}"
                f"statuses: {', '.join(JOB_STATUSES)}",
                r.usage("jobs"),
            )
        if status is not None:
            return CommandError("give the status only once", r.usage("jobs"))
        status = named
    return ListJobs(status, DEFAULT_LIMIT if limit is None else limit)


def read_session(r: Reader, args: list[str]) -> Command | CommandError:
    found = r.single_object("session", args, ("session",))
    return found if isinstance(found, CommandError) else ShowSession(found[1])


def read_sessions(r: Reader, args: list[str]) -> Command | CommandError:
    if error := r.arity("sessions", args, 2, "a project (optionally /workflow)"):
        return error
    scope = r.scope(args[0], "sessions", everything=False)
    if isinstance(scope, CommandError):
        return scope
    limit = r.limit(args[1], "sessions") if len(args) == 2 else DEFAULT_LIMIT
    if isinstance(limit, CommandError):
        return limit
    assert scope.project is not None  # `everything=False` refuses `*`
    return ListSessions(scope.project, scope.workflow, limit)


def read_attempt(r: Reader, args: list[str]) -> Command | CommandError:
    found = r.single_object("attempt", args, ("attempt",))
    return found if isinstance(found, CommandError) else ShowAttempt(found[1])


def read_timeline(r: Reader, args: list[str]) -> Command | CommandError:
    found = r.single_object("timeline", args, ("attempt",))
    return found if isinstance(found, CommandError) else Timeline(found[1])


def _job_status(word: str) -> JobStatus | None:
    if word in _STATUS_ALIASES:
        return _STATUS_ALIASES[word]
    return next((status for status in JOB_STATUSES if status.value == word), None)
