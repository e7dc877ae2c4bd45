"""Action keys: repeats of one intent collapse, different intents never do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import action_key_for_button, action_key_for_command
from bot.commands import Kill, KillJob, Retry
from tests.commands.grammar import parse

T = datetime(2024, 6, 3, 12, 0, 10, tzinfo=UTC)


def _button(**changes: str) -> str:
    fields = {
        "channel_id": "C1",
        "message_ts": "1717400000.000100",
        "action_id": "tdbot.retry_failed",
        "target_id": "123",
    }
    return action_key_for_button(**(fields | changes))


def test_two_clicks_of_one_button_are_one_key() -> None:
    assert _button() == _button()


@pytest.mark.parametrize(
    "change",
    [
        {"channel_id": "C2"},
        {"message_ts": "1717400000.000200"},
        {"action_id": "tdbot.kill"},
        {"target_id": "124"},
    ],
)
def test_another_button_is_another_key(change: dict[str, str]) -> None:
    assert _button(**change) != _button()


def test_the_same_command_typed_twice_quickly_is_one_key() -> None:
    first = action_key_for_command(user_id="U1", command=Retry("123"), now=T)
    soon = T + timedelta(seconds=40)
    assert action_key_for_command(user_id="U1", command=Retry("123"), now=soon) == first
    # The key is of the command, not of how it was typed.
    by_url = parse("retry https://console.treasuredata.com/app/workflows/9/sessions/8/attempt/123")
    assert isinstance(by_url, Retry)
    assert action_key_for_command(user_id="U1", command=by_url, now=T) == first


def test_commands_differ_by_user_command_and_window() -> None:
    base = action_key_for_command(user_id="U1", command=Kill("123"), now=T)
    assert action_key_for_command(user_id="U2", command=Kill("123"), now=T) != base
    assert action_key_for_command(user_id="U1", command=KillJob("123"), now=T) != base
    assert action_key_for_command(user_id="U1", command=Retry("123"), now=T) != base
    later = T + timedelta(seconds=60)
    assert action_key_for_command(user_id="U1", command=Kill("123"), now=later) != base


def test_keys_fit_the_store() -> None:
    long = _button(message_ts="9" * 300)
    assert len(long) <= 200 and long == _button(message_ts="9" * 300)
    assert long != _button(message_ts="8" * 300)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        action_key_for_command(user_id="U1", command=Kill("1"), now=T.replace(tzinfo=None))
