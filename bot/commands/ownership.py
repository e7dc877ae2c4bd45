"""Who owns a scope's alerts and where they escalate: `owner`, `owners`, `escalate`.

Owners are Slack users and user groups, stored by id. Slack sends them in a
slash command as `<@U…|name>` and `<!subteam^S…|@group>` (the manifest sets
``should_escape``); the tokenizer keeps their ids (`@U…`, `!subteam^S…`). A
name typed without Slack's markup has no id, and `@channel`-style broadcasts
are never owners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.commands.base import Command, CommandError, Scope
from bot.commands.durations import format_duration, parse_duration
from bot.commands.reader import Reader, fold, frag
from bot.store import PAGERDUTY

MAX_OWNERS = 10
MIN_ESCALATION = timedelta(seconds=1)
MAX_ESCALATION = timedelta(days=30)
_USER = re.compile(r"@([UW][A-Z0-9]{2,20})")
_GROUP = re.compile(r"!subteam\^(S[A-Z0-9]{2,20})")
_BROADCASTS = frozenset({"@channel", "@here", "@everyone"})
_ID = re.compile(r"[UWS][A-Z0-9]{2,20}")


def check_owner_id(value: str) -> None:
    if not _ID.fullmatch(value):
        raise ValueError(f"an owner is a Slack user or user group id, got {value!r}")


def owner_arg(slack_id: str) -> str:
    """An id as `owner` reads it back (Slack's markup)."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


@dataclass(frozen=True)
class SetOwners(Command):
    """The scope's owners from now on; none: it has none."""

    subcommand = "owner"
    scope: Scope
    owners: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.scope.everything:
            raise ValueError("owners belong to a project or workflow, not to every project")
        for owner in self.owners:
            check_owner_id(owner)

    def text(self) -> str:
        who = " ".join(owner_arg(o) for o in self.owners) or "none"
        return f"owner {self.scope.arg()} {who}"


@dataclass(frozen=True)
class ListOwners(Command):
    subcommand = "owners"

    def text(self) -> str:
        return "owners"


@dataclass(frozen=True)
class Escalate(Command):
    """Escalate the scope's unclaimed, unrecovered alerts ``after`` that long to ``target``.

    ``rule`` None: stop escalating. A target is a Slack user or user group id, or
    ``pagerduty``.
    """

    subcommand = "escalate"
    scope: Scope
    rule: tuple[timedelta, str] | None

    def __post_init__(self) -> None:
        if self.scope.everything:
            raise ValueError("escalation belongs to a project or workflow, not to every project")
        if self.rule is not None:
            after, target = self.rule
            if not MIN_ESCALATION <= after <= MAX_ESCALATION:
                raise ValueError(f"escalation delay must be 1 second to 30 days, got {after}")
            if target != PAGERDUTY:
                check_owner_id(target)

    def text(self) -> str:
        if self.rule is None:
            return f"escalate {self.scope.arg()} off"
        after, target = self.rule
        to = target if target == PAGERDUTY else owner_arg(target)
        return f"escalate {self.scope.arg()} after {format_duration(after)} to {to}"


def read_mention(r: Reader, word: str, name: str) -> str | CommandError:
    """A Slack user or user group id from a mention as Slack sends it."""
    if match := _USER.fullmatch(word) or _GROUP.fullmatch(word):
        return match[1]
    fix = r.usage(name)
    if fold(word) in _BROADCASTS:
        return CommandError(f"{frag(word)} would notify everyone: name people or a group", fix)
    if word.startswith("@"):
        return CommandError(
            f"{frag(word)} is not a mention Slack sent: pick the person or group from "
            "Slack's @ suggestions so the command carries their id",
            fix,
        )
    return CommandError(f"{frag(word)} is not a mention of a person or a user group", fix)


def read_owner(r: Reader, args: list[str]) -> Command | CommandError:
    if len(args) < 2:
        return CommandError(
            "`owner` needs a project (optionally /workflow) and who owns it, "
            "like `owner sales_etl @alice @data-oncall` or `owner sales_etl none`",
            r.usage("owner"),
        )
    scope = r.scope(args[0], "owner", everything=False)
    if isinstance(scope, CommandError):
        return scope
    if len(args) == 2 and fold(args[1]) == "none":
        return SetOwners(scope, ())
    owners: list[str] = []
    for word in args[1:]:
        owner = read_mention(r, word, "owner")
        if isinstance(owner, CommandError):
            return owner
        owners.append(owner)
    owners = list(dict.fromkeys(owners))
    if len(owners) > MAX_OWNERS:
        return CommandError(
            f"at most {MAX_OWNERS} owners per scope: a user group names more", r.usage("owner")
        )
    return SetOwners(scope, tuple(owners))


def read_owners(r: Reader, args: list[str]) -> Command | CommandError:
    return r.arity("owners", args, 0) or ListOwners()


def read_escalate(r: Reader, args: list[str]) -> Command | CommandError:
    fix = r.usage("escalate")
    words = [fold(w) for w in args]
    if len(args) < 2:
        return CommandError(
            "`escalate` needs a project (optionally /workflow) and a rule, like "
            "`escalate sales_etl after 30m to pagerduty` or `escalate sales_etl off`",
            fix,
        )
    scope = r.scope(args[0], "escalate", everything=False)
    if isinstance(scope, CommandError):
        return scope
    if words[1:] == ["off"]:
        return Escalate(scope, None)
    if len(args) != 5 or words[1] != "after" or words[3] != "to":
        return CommandError("write `escalate <scope> after <duration> to <target>`", fix)
    # Not Reader.duration: its limits are a mute's, and a delay may be seconds.
    after = parse_duration(words[2])
    if after is None:
        return CommandError(f"{frag(args[2])} is not a duration: use 30m, 1h or 90s", fix)
    if not MIN_ESCALATION <= after <= MAX_ESCALATION:
        return CommandError("the delay must be 1 second to 30 days", fix)
    target = PAGERDUTY if words[4] == PAGERDUTY else read_mention(r, args[4], "escalate")
    if isinstance(target, CommandError):
        return target
    return Escalate(scope, (after, target))
