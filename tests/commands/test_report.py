"""`report [<scope>] [<N>d]` and `report daily | weekly | off`."""

from __future__ import annotations

import pytest

from bot.commands import CommandError, ScheduleReport, Scope, ShowReport
from tests.commands.grammar import parse


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("report", ShowReport(None, 7)),
        ("report 30d", ShowReport(None, 30)),
        ("report sales_etl", ShowReport(Scope("sales_etl"), 7)),
        ("report sales_etl/daily 14d", ShowReport(Scope("sales_etl", "daily"), 14)),
        ("report 2days *", ShowReport(Scope(None), 2)),
        ("REPORT Weekly", ScheduleReport("weekly")),
        ("report daily", ScheduleReport("daily")),
        ("report off", ScheduleReport(None)),
    ],
)
def test_reads_and_reads_back(text: str, command: ShowReport | ScheduleReport) -> None:
    assert parse(text) == command
    assert parse(command.text()) == command


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("report 0d", "1 to 90 days, not 0"),
        ("report 91d", "1 to 90 days, not 91"),
        ("report 7d 8d", "give the number of days once"),
        ("report a b", "neither a number of days"),
        ("report a 7d c", "too many arguments"),
        ("report https://console.treasuredata.com/app/workflows/1", "not a link"),
        # Not a report of a project named "daily" ("No project daily; did you mean ...?").
        ("report daily 7d", "`report daily` takes nothing after it, so `7d` is one too many"),
        ("report Weekly sales_etl", "`report weekly` takes nothing after it"),
        ("report off now", "`report off` takes nothing after it"),
    ],
)
def test_mistakes_are_said_plainly(text: str, says: str) -> None:
    error = parse(text)
    assert isinstance(error, CommandError)
    assert says in error.message
    assert "/td report" in error.usage


def test_a_report_covers_at_most_ninety_days() -> None:
    with pytest.raises(ValueError, match="1-90 days"):
        ShowReport(None, 91)
    with pytest.raises(ValueError, match="cadence"):
        ScheduleReport("hourly")
