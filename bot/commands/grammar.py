"""The `/td` commands as values, the help text, and the text form of each command.

Ids are canonical decimal strings (no sign, no leading zeros). Text in a
`CommandError` or in `HELP` is plain text in which backticks mark code spans;
renderers escape it for mrkdwn like any other text (bot.text.escape_mrkdwn).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from bot.commands.durations import MAX_MUTE, MIN_MUTE, format_duration
from bot.td.models import JobStatus

_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_ID = 2**63 - 1  # Digdag and TD ids are int64
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
JOB_STATUSES: tuple[JobStatus, ...] = tuple(s for s in JobStatus if s is not JobStatus.UNKNOWN)


def _check_id(value: str, what: str) -> None:
    if not (isinstance(value, str) and _CANONICAL_ID.fullmatch(value) and int(value) <= MAX_ID):
        raise ValueError(f"{what} must be a canonical positive decimal id, got {value!r}")


def _check_limit(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise ValueError(f"limit must be 1-{MAX_LIMIT}, got {value!r}")


def _check_name(value: str | None, what: str) -> None:
    if value is not None and (
        not value or value == "*" or "/" in value or '"' in value or value != value.strip()
    ):
        raise ValueError(f"{what} must be a non-empty name without '/' or '\"', got {value!r}")


@dataclass(frozen=True)
class Scope:
    """A project, one workflow of a project, or everything (`project is None`, written `*`)."""

    project: str | None
    workflow: str | None = None

    def __post_init__(self) -> None:
        _check_name(self.project, "project")
        _check_name(self.workflow, "workflow")
        if self.project is None and self.workflow is not None:
            raise ValueError("a workflow scope needs its project")

    @property
    def everything(self) -> bool:
        return self.project is None

    def __str__(self) -> str:
        if self.project is None:
            return "*"
        return self.project if self.workflow is None else f"{self.project}/{self.workflow}"


@dataclass(frozen=True)
class AttemptTarget:
    attempt_id: str

    def __post_init__(self) -> None:
        _check_id(self.attempt_id, "attempt_id")


@dataclass(frozen=True)
class SessionTarget:
    session_id: str

    def __post_init__(self) -> None:
        _check_id(self.session_id, "session_id")


@dataclass(frozen=True)
class JobTarget:
    job_id: str

    def __post_init__(self) -> None:
        _check_id(self.job_id, "job_id")


DiagnoseTarget = AttemptTarget | SessionTarget | JobTarget


@dataclass(frozen=True)
class Help:
    topic: str | None = None  # a subcommand name from HELP, None for everything


@dataclass(frozen=True)
class ShowJob:
    job_id: str

    def __post_init__(self) -> None:
        _check_id(self.job_id, "job_id")


@dataclass(frozen=True)
class ListJobs:
    status: JobStatus | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        if self.status is JobStatus.UNKNOWN:
            raise ValueError("status must be a real job status")


@dataclass(frozen=True)
class ShowSession:
    session_id: str

    def __post_init__(self) -> None:
        _check_id(self.session_id, "session_id")


@dataclass(frozen=True)
class ListSessions:
    project: str
    workflow: str | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        Scope(self.project, self.workflow)
        _check_limit(self.limit)


@dataclass(frozen=True)
class ShowAttempt:
    attempt_id: str

    def __post_init__(self) -> None:
        _check_id(self.attempt_id, "attempt_id")


@dataclass(frozen=True)
class Diagnose:
    """`target is None`: the attempt of the alert thread, which the caller supplies."""

    target: DiagnoseTarget | None = None


@dataclass(frozen=True)
class Subscribe:
    scope: Scope


@dataclass(frozen=True)
class Unsubscribe:
    scope: Scope


@dataclass(frozen=True)
class ListSubscriptions:
    pass


@dataclass(frozen=True)
class Mute:
    scope: Scope
    duration: timedelta

    def __post_init__(self) -> None:
        if not MIN_MUTE <= self.duration <= MAX_MUTE:
            raise ValueError(f"duration must be 1 minute to 30 days, got {self.duration}")


@dataclass(frozen=True)
class Unmute:
    scope: Scope


@dataclass(frozen=True)
class Retry:
    attempt_id: str

    def __post_init__(self) -> None:
        _check_id(self.attempt_id, "attempt_id")


@dataclass(frozen=True)
class Kill:
    attempt_id: str

    def __post_init__(self) -> None:
        _check_id(self.attempt_id, "attempt_id")


@dataclass(frozen=True)
class KillJob:
    job_id: str

    def __post_init__(self) -> None:
        _check_id(self.job_id, "job_id")


@dataclass(frozen=True)
class Timeline:
    attempt_id: str

    def __post_init__(self) -> None:
        _check_id(self.attempt_id, "attempt_id")


Command = (
    Help
    | ShowJob
    | ListJobs
    | ShowSession
    | ListSessions
    | ShowAttempt
    | Diagnose
    | Subscribe
    | Unsubscribe
    | ListSubscriptions
    | Mute
    | Unmute
    | Retry
    | Kill
    | KillJob
    | Timeline
)


@dataclass(frozen=True)
class CommandError:
    """Why the text is not a command (`message`) and how to write it (`usage`)."""

    message: str
    usage: str


class HelpEntry(NamedTuple):
    name: str
    usage: str
    description: str
    example: str


HELP: tuple[HelpEntry, ...] = (
    HelpEntry("help", "/td help [subcommand]", "this list, or one subcommand", "/td help mute"),
    HelpEntry(
        "job",
        "/td job <job_id | job URL>",
        "a job: status, timing, query, and the error excerpt of a failed job",
        "/td job 12345",
    ),
    HelpEntry(
        "jobs",
        "/td jobs [status] [N]",
        f"the newest N jobs (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}), optionally of one "
        f"status: {', '.join(JOB_STATUSES)}",
        "/td jobs error 20",
    ),
    HelpEntry(
        "session",
        "/td session <session_id | session URL>",
        "a workflow session: project, workflow, session time, last attempt",
        "/td session 4567",
    ),
    HelpEntry(
        "sessions",
        "/td sessions <project>[/<workflow>] [N]",
        f"the newest N sessions of a project or workflow (default {DEFAULT_LIMIT})",
        "/td sessions sales_etl/daily 5",
    ),
    HelpEntry(
        "attempt",
        "/td attempt <attempt_id | attempt URL>",
        "an attempt: status, retries, timing, tasks by state",
        "/td attempt 98765",
    ),
    HelpEntry(
        "diagnose",
        "/td diagnose [<attempt_id | URL> | session <session_id> | job <job_id>]",
        "why it failed and whether a retry will help; with nothing after it, in an alert's "
        "thread, the attempt of that alert (`why` works too)",
        "/td diagnose 98765",
    ),
    HelpEntry(
        "timeline",
        "/td timeline <attempt_id | attempt URL>",
        "when each task of an attempt ran",
        "/td timeline 98765",
    ),
    HelpEntry(
        "subscribe",
        "/td subscribe <project>[/<workflow>] | *",
        "post failure alerts for that scope to this channel (`*`: every project)",
        "/td subscribe sales_etl",
    ),
    HelpEntry(
        "unsubscribe",
        "/td unsubscribe <project>[/<workflow>] | *",
        "stop the alerts of a subscription",
        "/td unsubscribe sales_etl",
    ),
    HelpEntry(
        "subscriptions", "/td subscriptions", "this channel's subscriptions", "/td subscriptions"
    ),
    HelpEntry(
        "mute",
        "/td mute <project>[/<workflow>] | * <duration>",
        "silence alerts for a while: 30m, 4h, 2d (1 minute to 30 days)",
        "/td mute sales_etl/daily 4h",
    ),
    HelpEntry(
        "unmute",
        "/td unmute <project>[/<workflow>] | *",
        "end a mute early",
        "/td unmute sales_etl/daily",
    ),
    HelpEntry(
        "retry",
        "/td retry <attempt_id | attempt URL>",
        "admins: retry the failed tasks of an attempt",
        "/td retry 98765",
    ),
    HelpEntry(
        "kill",
        "/td kill <attempt_id | attempt URL> | kill job <job_id | job URL>",
        "admins: kill a running attempt or job",
        "/td kill job 12345",
    ),
)
HELP_BY_NAME = {entry.name: entry for entry in HELP}
GENERAL_USAGE = "/td help"


def usage(name: str) -> str:
    """The usage line of a subcommand (a HELP name), or the pointer to help."""
    entry = HELP_BY_NAME.get(name)
    return entry.usage if entry else GENERAL_USAGE


def _scope_text(scope: Scope) -> str:
    return _quoted(str(scope))


def _quoted(name: str) -> str:
    # Names with spaces need quotes to be read back as one argument.
    return f'"{name}"' if any(ch.isspace() for ch in name) else name


def command_text(command: Command) -> str:
    """The `/td` text (without `/td`) that parses back to `command`: for logs and buttons."""
    match command:
        case Help(topic=None):
            return "help"
        case Help(topic=topic):
            return f"help {topic}"
        case ShowJob(job_id=job_id):
            return f"job {job_id}"
        case ListJobs(status=status, limit=limit):
            return " ".join(["jobs", *([status.value] if status else []), str(limit)])
        case ShowSession(session_id=session_id):
            return f"session {session_id}"
        case ListSessions(project=project, workflow=workflow, limit=limit):
            return f"sessions {_scope_text(Scope(project, workflow))} {limit}"
        case ShowAttempt(attempt_id=attempt_id):
            return f"attempt {attempt_id}"
        case Diagnose(target=None):
            return "diagnose"
        case Diagnose(target=AttemptTarget(attempt_id=attempt_id)):
            return f"diagnose {attempt_id}"
        case Diagnose(target=SessionTarget(session_id=session_id)):
            return f"diagnose session {session_id}"
        case Diagnose(target=JobTarget(job_id=job_id)):
            return f"diagnose job {job_id}"
        case Subscribe(scope=scope):
            return f"subscribe {_scope_text(scope)}"
        case Unsubscribe(scope=scope):
            return f"unsubscribe {_scope_text(scope)}"
        case ListSubscriptions():
            return "subscriptions"
        case Mute(scope=scope, duration=duration):
            return f"mute {_scope_text(scope)} {format_duration(duration)}"
        case Unmute(scope=scope):
            return f"unmute {_scope_text(scope)}"
        case Retry(attempt_id=attempt_id):
            return f"retry {attempt_id}"
        case Kill(attempt_id=attempt_id):
            return f"kill {attempt_id}"
        case KillJob(job_id=job_id):
            return f"kill job {job_id}"
        case Timeline(attempt_id=attempt_id):
            return f"timeline {attempt_id}"
    raise TypeError(f"not a command: {command!r}")
