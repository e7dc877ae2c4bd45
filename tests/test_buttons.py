"""The one set of buttons: offered by status, acting ones behind a full confirm dialog, and
every value a button carries read back as the command it stands for."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.buttons import (
    ActionId,
    alert_of,
    attempt_buttons,
    command_of,
    diagnose_button,
    diagnose_job_button,
    job_buttons,
    on_it_button,
    take_over_button,
)
from bot.commands import (
    AttemptTarget,
    Command,
    Diagnose,
    JobTarget,
    Kill,
    KillJob,
    Mute,
    Retry,
    Scope,
)
from bot.message import Button, Confirm, Message
from bot.render import render_slack
from bot.td.models import Attempt, Job


def attempt(status: str, **extra: Any) -> Attempt:
    return Attempt.model_validate(
        {
            "id": "41",
            "index": 2,
            "project": {"id": "1", "name": "sales"},
            "workflow": {"id": "7", "name": "daily"},
            "sessionId": "9",
            "sessionTime": "2024-06-01T02:00:00+09:00",
            "status": status,
            "done": status in ("success", "error", "killed"),
            "success": status == "success",
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("error", [ActionId.RETRY_FAILED, ActionId.RETRY_HOW, ActionId.MUTE]),
        ("killed", [ActionId.RETRY_FAILED, ActionId.RETRY_HOW, ActionId.MUTE]),
        ("running", [ActionId.KILL]),
        ("queued", [ActionId.KILL]),
        ("canceling", []),
        ("success", []),
    ],
)
def test_buttons_follow_the_attempt_status(status: str, expected: list[ActionId]) -> None:
    assert [a.action_id for a in attempt_buttons(attempt(status))] == expected


def test_retry_and_kill_carry_their_target_and_a_full_dialog() -> None:
    retry, how, mute = attempt_buttons(attempt("error"))
    assert json.loads(how.value) == {"attempt_id": "41"} and how.label == "Retry…"
    assert command_of(how.action_id, how.value) is None  # it opens a modal, it does not act
    assert json.loads(retry.value) == {"attempt_id": "41"} and retry.style == "primary"
    assert isinstance(retry.confirm, Confirm)
    assert retry.confirm.title == "Retry failed tasks?"
    assert "attempt 41 (sales/daily, session 2024-06-01 02:00 +09:00, error)" in retry.confirm.text
    assert json.loads(mute.value) == {"project": "sales", "workflow": "daily", "duration": "4h"}
    assert mute.confirm is None  # changes nothing at TD

    [kill] = attempt_buttons(attempt("running"))
    assert json.loads(kill.value) == {"attempt_id": "41"} and kill.style == "danger"
    assert isinstance(kill.confirm, Confirm) and kill.confirm.confirm == "Kill attempt"


def test_the_dialog_reaches_block_kit_within_its_limits() -> None:
    long_name = "p" * 400
    found = attempt("error", project={"id": "1", "name": long_name})
    reply = Message(title="t", text="t", buttons=attempt_buttons(found))
    [actions] = [b for b in render_slack(reply).blocks if b["type"] == "actions"]
    retry = actions["elements"][0]
    dialog = retry["confirm"]
    assert dialog["title"]["text"] == "Retry failed tasks?"
    assert len(dialog["text"]["text"]) <= 300 and "attempt 41" in dialog["text"]["text"]
    assert dialog["confirm"]["text"] == "Retry failed tasks" and dialog["deny"]["text"] == "Cancel"
    assert json.loads(retry["value"]) == {"attempt_id": "41"}


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("running", True),
        ("queued", True),
        ("booting", True),
        ("success", False),
        ("error", False),
        ("killed", False),
        ("unknown", False),
    ],
)
def test_kill_job_only_for_a_job_that_has_not_finished(status: str, offered: bool) -> None:
    buttons = job_buttons(job(status))
    assert bool(buttons) is offered
    if offered:
        [kill] = buttons
        assert kill.action_id == ActionId.KILL and json.loads(kill.value) == {"job_id": "8"}
        assert isinstance(kill.confirm, Confirm) and "Kill TD job 8" in kill.confirm.text


def job(status: str) -> Job:
    return Job.model_validate({"job_id": "8", "type": "presto", "status": status, "database": "db"})


@pytest.mark.parametrize(
    ("action", "command"),
    [
        (diagnose_button("41"), Diagnose(AttemptTarget("41"))),
        (diagnose_job_button("8"), Diagnose(JobTarget("8"))),
        (attempt_buttons(attempt("error"))[0], Retry("41")),
        (
            attempt_buttons(attempt("error"))[2],
            Mute(Scope("sales", "daily"), timedelta(hours=4)),
        ),
        (attempt_buttons(attempt("running"))[0], Kill("41")),
        (job_buttons(job("running"))[0], KillJob("8")),
    ],
)
def test_every_button_reads_back_as_its_command(action: Button, command: Command) -> None:
    assert command_of(action.action_id, action.value) == command


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("tdbot.unknown", '{"attempt_id":"41"}'),  # not one of ours
        ("tdbot.link.0", '{"attempt_id":"41"}'),
        ("tdbot.retry_failed", "not json"),
        ("tdbot.retry_failed", '["41"]'),
        ("tdbot.retry_failed", "{}"),
        ("tdbot.retry_failed", '{"attempt_id":null}'),
        ("tdbot.kill", '{"attempt_id":"41; drop"}'),
        ("tdbot.diagnose", '{"job_id":"-1"}'),
        ("tdbot.mute", '{"project":"sales","workflow":"daily","duration":"soon"}'),
        ("tdbot.mute", '{"project":"sales","workflow":"daily","duration":"90d"}'),
        ("tdbot.mute", '{"project":"sales","workflow":7,"duration":"4h"}'),
        ("tdbot.mute", '{"workflow":"daily","duration":"4h"}'),
    ],
)
def test_a_value_that_cannot_be_read_is_no_command(action_id: str, value: str) -> None:
    assert command_of(action_id, value) is None


def test_a_mute_of_a_whole_project_reads_back() -> None:
    value = json.dumps({"project": "sales", "workflow": None, "duration": "30m"})
    assert command_of("tdbot.mute", value) == Mute(Scope("sales", None), timedelta(minutes=30))


def test_i_am_on_it_carries_an_attempt_or_a_silent_subject() -> None:
    subject = "slot:71015:2024-06-04T06:00:00Z"
    for alert in ("412400909", subject, "schedule:7:2024-06-01T00:00:00Z"):
        assert alert_of(on_it_button(alert, taken=False).value) == alert
        assert alert_of(take_over_button(alert).value) == alert
    for value in ('{"subject": "slot:7:<!channel>"}', '{"attempt_id": "12a"}', "[1]", "{"):
        assert alert_of(value) is None
