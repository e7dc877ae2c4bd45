"""Admin actions: `retry` (failed tasks, `from` a task, `with` params) and `kill`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.base import Command, CommandError, check_id, quoted
from bot.commands.reader import MAX_NAME, OBJECT_WORDS, Reader, fold, frag
from bot.commands.urls import ObjectKind

MAX_PARAMS = 20
_PARAM_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,99}")
_MAX_VALUE = 1000
Params = tuple[tuple[str, str], ...]


def check_task(value: str | None) -> None:
    if value is not None and not (
        isinstance(value, str) and value.startswith("+") and 1 < len(value) <= MAX_NAME
    ):
        raise ValueError(f"from_task must be a task name like +wf+task, got {value!r}")


def check_params(params: Params) -> None:
    keys = [key for key, _ in params]
    if len(keys) > MAX_PARAMS or len(set(keys)) != len(keys):
        raise ValueError(f"params must be at most {MAX_PARAMS} distinct keys, got {keys!r}")
    for key, value in params:
        if not _PARAM_KEY.fullmatch(key) or not isinstance(value, str) or len(value) > _MAX_VALUE:
            raise ValueError(f"not a param: {key!r}={value!r}")


@dataclass(frozen=True)
class Retry(Command):
    """Failed tasks again (resume mode ``failed``), or everything from ``from_task`` on
    (mode ``from``); ``params`` override the attempt's own (values as typed: strings)."""

    subcommand = "retry"
    attempt_id: str
    # With TD's allowQueueing: offered by a button when TD is at its limit of running
    # attempts, so it has no words of its own.
    queue: bool = False
    from_task: str | None = None
    params: Params = ()

    def __post_init__(self) -> None:
        check_id(self.attempt_id, "attempt_id")
        check_task(self.from_task)
        check_params(self.params)

    def text(self) -> str:
        words = [f"retry {self.attempt_id}"]
        if self.from_task is not None:
            words.append(f"from {quoted(self.from_task)}")
        if self.params:
            words.append("with " + " ".join(quoted(f"{k}={v}") for k, v in self.params))
        return " ".join(words)

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
    """`retry <attempt> [from <+task>] [with key=value ...]`."""
    words = [fold(word) for word in args]
    with_at = words.index("with") if "with" in words else len(args)
    head, pairs = args[:with_at], args[with_at + 1 :]
    from_task: str | None = None
    if len(head) >= 2 and fold(head[1]) == "from":
        if len(head) != 3:
            return CommandError(
                "`retry <attempt> from` takes one task, like `retry 98765 from +daily+load`",
                r.usage("retry"),
            )
        from_task = head[2]
        if not from_task.startswith("+") or len(from_task) > MAX_NAME:
            return CommandError(
                f"{frag(from_task)} is not a task name: task names start with `+`, "
                "like `+daily+load`",
                r.usage("retry"),
            )
        head = head[:1]
    found = r.single_object("retry", head, ("attempt",))
    if isinstance(found, CommandError):
        return found
    params = _read_params(r, pairs) if with_at < len(args) else ()
    if isinstance(params, CommandError):
        return params
    return Retry(found[1], from_task=from_task, params=params)


def _read_params(r: Reader, pairs: list[str]) -> Params | CommandError:
    fix = r.usage("retry")
    if not pairs:
        return CommandError(
            "`with` needs key=value params, like `retry 98765 with target_date=2024-06-01`", fix
        )
    if len(pairs) > MAX_PARAMS:
        return CommandError(f"at most {MAX_PARAMS} params at once", fix)
    read: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not _PARAM_KEY.fullmatch(key):
            return CommandError(
                f"{frag(pair)} is not key=value (keys are letters, digits, `_`, `.` and `-`)",
                fix,
            )
        if key in read:
            return CommandError(f"param {frag(key)} is given twice", fix)
        if len(value) > _MAX_VALUE:
            return CommandError(f"the value of {frag(key)} is too long", fix)
        read[key] = value
    return tuple(read.items())


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
