"""What every `/td` command shares: ids, scopes, targets, the Command base, CommandError.

Ids are canonical decimal strings (no sign, no leading zeros). Text in a
`CommandError` or in a subcommand's help is plain text in which backticks mark
code spans; renderers escape it for mrkdwn like any other text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.td.models import JobStatus

_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_ID = 2**63 - 1  # Digdag and TD ids are int64
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
JOB_STATUSES: tuple[JobStatus, ...] = tuple(s for s in JobStatus if s is not JobStatus.UNKNOWN)


def check_id(value: str, what: str) -> None:
    if not (isinstance(value, str) and _CANONICAL_ID.fullmatch(value) and int(value) <= MAX_ID):
        raise ValueError(f"{what} must be a canonical positive decimal id, got {value!r}")


def check_limit(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise ValueError(f"limit must be 1-{MAX_LIMIT}, got {value!r}")


def check_name(value: str | None, what: str) -> None:
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
        check_name(self.project, "project")
        check_name(self.workflow, "workflow")
        if self.project is None and self.workflow is not None:
            raise ValueError("a workflow scope needs its project")

    @property
    def everything(self) -> bool:
        return self.project is None

    def __str__(self) -> str:
        if self.project is None:
            return "*"
        return self.project if self.workflow is None else f"{self.project}/{self.workflow}"

    def arg(self) -> str:
        """The scope as a command argument (quoted when a name has spaces)."""
        return quoted(str(self))


@dataclass(frozen=True)
class AttemptTarget:
    attempt_id: str

    def __post_init__(self) -> None:
        check_id(self.attempt_id, "attempt_id")


@dataclass(frozen=True)
class SessionTarget:
    session_id: str

    def __post_init__(self) -> None:
        check_id(self.session_id, "session_id")


@dataclass(frozen=True)
class JobTarget:
    job_id: str

    def __post_init__(self) -> None:
        check_id(self.job_id, "job_id")


DiagnoseTarget = AttemptTarget | SessionTarget | JobTarget


class Command:
    """A `/td` command: a frozen value naming its subcommand, readable back as text."""

    subcommand: ClassVar[str]  # the declaration (bot.commands.Subcommand) it belongs to

    def text(self) -> str:
        """The `/td` text (without `/td`) that parses back to this command."""
        raise NotImplementedError

    def subject(self) -> tuple[str, str] | None:
        """What it is about, as (kind, id), for error messages; None when nothing one."""
        return None


@dataclass(frozen=True)
class CommandError:
    """Why the text is not a command (`message`) and how to write it (`usage`)."""

    message: str
    usage: str


def quoted(name: str) -> str:
    """A name as an argument: names with spaces need quotes to be read back as one."""
    return f'"{name}"' if any(ch.isspace() for ch in name) else name


def command_text(command: Command) -> str:
    """The `/td` text (without `/td`) that parses back to `command`: for logs and buttons."""
    return command.text()
