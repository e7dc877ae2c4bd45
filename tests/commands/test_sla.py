"""`sla <scope> runtime|within <duration>` and `sla <scope> off`: what is read, and
each mistake told for what it is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.commands import CommandError, Scope, SetSla, SlaField
from tests.commands.grammar import parse

HOURS_2 = timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("sla s/daily runtime 2h", SetSla(Scope("s", "daily"), (SlaField.RUNTIME, HOURS_2))),
        ("sla * WITHIN 1h30m", SetSla(Scope(None), (SlaField.WITHIN, timedelta(minutes=90)))),
        ("sla sales_etl off", SetSla(Scope("sales_etl"), None)),
    ],
)  # fmt: skip
def test_reads(text: str, command: SetSla) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("sla", "`sla` needs a scope and a limit"),
        ("sla x runtime", "`runtime` needs a duration, like `sla x runtime 2h`"),
        ("sla x within", "`within` needs a duration, like `sla x within 2h`"),
        ("sla x runtime 1h within 2h", "one limit at a time"),
        ("sla x deadline 2h", "write `sla <scope> runtime"),
        ("sla * within 0m", "a limit is 1 minute to 30 days, not `0m`"),
        ("sla * runtime 31d", "a limit is 1 minute to 30 days, not `31d`"),
        ("sla */x within 10m", "has no project name before the `/`"),
    ],
)
def test_mistakes_are_said_for_what_they_are(text: str, says: str) -> None:
    error = parse(text)
    assert isinstance(error, CommandError)
    assert says in error.message
    assert "/td sla" in error.usage
