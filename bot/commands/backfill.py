"""`backfill <project>/<workflow> from <time> (count <N> | to <time>)`, and the confirmed run.

Times are `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, in the workflow's time zone (which
only TD knows: the value keeps them as typed, naive). ``RunBackfill`` is what the
confirmation's button carries: the schedule, the instant, the count and the
attempt name the dry run showed, so a repeated click asks TD for the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.commands.base import MAX_LIMIT, Command, CommandError, Scope, check_id
from bot.commands.reader import Reader, fold, frag

_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M")


def _time_text(when: datetime) -> str:
    return f"{when:%Y-%m-%d}" if (when.hour, when.minute) == (0, 0) else f"{when:%Y-%m-%dT%H:%M}"


@dataclass(frozen=True)
class Backfill(Command):
    subcommand = "backfill"
    scope: Scope
    start: datetime  # naive: the workflow's local time
    count: int | None = None
    until: datetime | None = None  # naive, inclusive

    def __post_init__(self) -> None:
        if self.scope.project is None or self.scope.workflow is None:
            raise ValueError("a backfill needs <project>/<workflow>")
        if (self.count is None) == (self.until is None):
            raise ValueError("a backfill takes a count or an end time")
        if self.count is not None and not 1 <= self.count <= MAX_LIMIT:
            raise ValueError(f"count must be 1-{MAX_LIMIT}, got {self.count!r}")
        for when in (self.start, self.until):
            if when is not None and when.tzinfo is not None:
                raise ValueError("backfill times are the workflow's local times (naive)")

    def text(self) -> str:
        end = f"count {self.count}" if self.until is None else f"to {_time_text(self.until)}"
        return f"backfill {self.scope.arg()} from {_time_text(self.start)} {end}"

    def subject(self) -> tuple[str, str]:
        return ("workflow", str(self.scope))


@dataclass(frozen=True)
class RunBackfill(Command):
    """The confirmed backfill (a button's value): run these sessions under this name."""

    subcommand = "backfill"
    schedule_id: str
    from_time: str  # an ISO instant with its offset, as the dry run was asked
    count: int
    attempt_name: str

    def __post_init__(self) -> None:
        check_id(self.schedule_id, "schedule_id")
        datetime.fromisoformat(self.from_time)
        if not 1 <= self.count <= MAX_LIMIT or not self.attempt_name:
            raise ValueError(f"not a backfill: {self.count!r} under {self.attempt_name!r}")

    def text(self) -> str:
        return f"backfill schedule {self.schedule_id} from {self.from_time} count {self.count}"

    def subject(self) -> tuple[str, str]:
        return ("schedule", self.schedule_id)


def read_backfill(r: Reader, args: list[str]) -> Command | CommandError:
    fix = r.usage("backfill")
    words = [fold(word) for word in args]
    if len(args) != 5 or words[1] != "from" or words[3] not in ("count", "to"):
        return CommandError(
            "write `backfill <project>/<workflow> from <time> count <N>` "
            "or `... from <time> to <time>`",
            fix,
        )
    scope = r.scope(args[0], "backfill", everything=False)
    if isinstance(scope, CommandError):
        return scope
    if scope.workflow is None:
        return CommandError("`backfill` runs one workflow: write <project>/<workflow>", fix)
    start = _read_time(args[2], fix)
    if isinstance(start, CommandError):
        return start
    if words[3] == "count":
        count = r.limit(args[4], "backfill")
        return count if isinstance(count, CommandError) else Backfill(scope, start, count=count)
    until = _read_time(args[4], fix)
    if isinstance(until, CommandError):
        return until
    if until < start:
        return CommandError("the end time comes before the start time", fix)
    return Backfill(scope, start, until=until)


def _read_time(word: str, fix: str) -> datetime | CommandError:
    for layout in _FORMATS:
        try:
            return datetime.strptime(word, layout)
        except ValueError:
            continue
    return CommandError(
        f"{frag(word)} is not a time: write YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(the workflow's time zone)",
        fix,
    )
