"""`owner` / `owners`: mentions as Slack sends them (escaping on) keep their ids."""

from __future__ import annotations

import pytest

from bot.commands import CommandError, ListOwners, Scope, SetOwners
from bot.message import mrkdwn as md
from tests.commands.grammar import parse


def test_mentions_as_slack_escapes_them_keep_their_ids() -> None:
    text = "owner sales_etl/daily <@U024BE7LH|alice> <!subteam^SAZ94GDB8|@data-oncall>"
    command = parse(text)
    assert command == SetOwners(Scope("sales_etl", "daily"), ("U024BE7LH", "SAZ94GDB8"))
    # It reads back as Slack's markup, which parses to the same command.
    assert parse(command.text()) == command


def test_none_clears_and_owners_lists() -> None:
    assert parse("owner sales_etl none") == SetOwners(Scope("sales_etl"), ())
    assert parse("owners") == ListOwners()
    assert parse("owner sales_etl <@U1AAAAAA> <@U1AAAAAA>") == SetOwners(
        Scope("sales_etl"), ("U1AAAAAA",)
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("owner sales_etl", "needs a project"),
        ("owner * <@U024BE7LH>", "needs a project, not `*`"),
        ("owner sales_etl <!channel>", "would notify everyone"),
        ("owner sales_etl <!here>", "would notify everyone"),
        ("owner sales_etl @alice", "not a mention Slack sent"),
        ("owner sales_etl alice", "not a mention of a person"),
        ("owner sales_etl <#C024BE7LR|general>", "not a mention of a person"),
    ],
)
def test_what_is_not_an_owner_is_said_plainly(text: str, says: str) -> None:
    error = parse(text)
    assert isinstance(error, CommandError) and says in error.message, error


def test_only_ids_become_mentions() -> None:
    assert md.mention("U024BE7LH") == "<@U024BE7LH>"
    assert md.mention("SAZ94GDB8") == "<!subteam^SAZ94GDB8>"
    for bad in ("channel", "here", "!channel", "U1>|<!channel", "u024be7lh", ""):
        with pytest.raises(ValueError):
            md.mention(bad)
