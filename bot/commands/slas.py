"""Service levels of a scope: `sla <scope> runtime|within <duration>`, `sla <scope> off`, `slas`.

A limit belongs to the scope (`*`, a project, or one workflow), not to the
channel: every channel subscribed to it is alerted by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.commands.base import Command, CommandError, Scope
from bot.commands.durations import format_duration, parse_duration
from bot.commands.reader import Reader, fold, frag

MIN_SLA = timedelta(minutes=1)
MAX_SLA = timedelta(days=30)


class SlaField(StrEnum):
    RUNTIME = "runtime"  # how long a run may take
    WITHIN = "within"  # by when after its session time a scheduled session must succeed


@dataclass(frozen=True)
class SetSla(Command):
    """Set one limit of the scope (the other stays as it is); ``limit`` None: drop both."""

    subcommand = "sla"
    scope: Scope
    limit: tuple[SlaField, timedelta] | None

    def __post_init__(self) -> None:
        if self.limit is not None and not MIN_SLA <= self.limit[1] <= MAX_SLA:
            raise ValueError(f"a limit must be 1 minute to 30 days, got {self.limit[1]}")

    def text(self) -> str:
        if self.limit is None:
            return f"sla {self.scope.arg()} off"
        field, value = self.limit
        return f"sla {self.scope.arg()} {field.value} {format_duration(value)}"


@dataclass(frozen=True)
class ListSlas(Command):
    subcommand = "slas"

    def text(self) -> str:
        return "slas"


def read_sla(r: Reader, args: list[str]) -> Command | CommandError:
    fix = r.usage("sla")
    if len(args) < 2:
        return CommandError(
            "`sla` needs a scope and a limit, like `sla sales_etl/daily runtime 2h`, "
            "`sla sales_etl within 3h` or `sla sales_etl off`",
            fix,
        )
    scope = r.scope(args[0], "sla", everything=True)
    if isinstance(scope, CommandError):
        return scope
    words = [fold(w) for w in args[1:]]
    if words == ["off"]:
        return SetSla(scope, None)
    fields = {f.value for f in SlaField}
    if words[0] in fields and len(words) == 1:
        example = frag(f"sla {args[0]} {words[0]} 2h")
        return CommandError(f"`{words[0]}` needs a duration, like {example}", fix)
    if words[0] in fields and len(words) > 2:
        return CommandError(
            "one limit at a time: `sla <scope> runtime <duration>`, then "
            "`sla <scope> within <duration>`",
            fix,
        )
    if len(words) != 2 or words[0] not in fields:
        return CommandError(
            "write `sla <scope> runtime <duration>`, `sla <scope> within <duration>` "
            "or `sla <scope> off`",
            fix,
        )
    value = parse_duration(words[1])
    if value is None:
        return CommandError(f"{frag(args[2])} is not a duration: use 45m, 2h or 1h30m", fix)
    if not MIN_SLA <= value <= MAX_SLA:
        return CommandError(f"a limit is 1 minute to 30 days, not {frag(args[2])}", fix)
    return SetSla(scope, (SlaField(words[0]), value))


def read_slas(r: Reader, args: list[str]) -> Command | CommandError:
    return r.arity("slas", args, 0) or ListSlas()
