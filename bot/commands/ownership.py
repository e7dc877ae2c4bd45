"""Who owns a scope's alerts: `owner`, `owners`.

Owners are Slack users and user groups, stored by id. Slack sends them in a
slash command as `<@U…|name>` and `<!subteam^S…|@group>` (the manifest sets
``should_escape``); the tokenizer keeps their ids (`@U…`, `!subteam^S…`). A
name typed without Slack's markup has no id, and `@channel`-style broadcasts
are never owners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.base import Command, CommandError, Scope
from bot.commands.reader import Reader, fold, frag

MAX_OWNERS = 10
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
