"""ConsoleChatPoster: the ChatPoster contract, and messages printed as Slack shows them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.alerts.chat import ChatError
from bot.console.chat import ConsoleChat, ConsoleChatPoster
from bot.console.screen import Screen
from bot.console.terminal import TerminalStyle

CHANNEL = "C0DEMO"
OLDEST = datetime(2024, 1, 1, tzinfo=UTC)


def header(text: str) -> list[dict[str, Any]]:
    return [{"type": "header", "text": {"type": "plain_text", "text": text}}]


def section(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def poster(out: io.StringIO) -> ConsoleChatPoster:
    chat = ConsoleChat(
        Screen(out, TerminalStyle(width=80)), bot_name="tdbot", channel_names={CHANNEL: "#demo"}
    )
    return ConsoleChatPoster(chat)


async def test_thread_replies_are_indented_under_their_parent(
    poster: ConsoleChatPoster, out: io.StringIO
) -> None:
    parent = await poster.post_message(
        CHANNEL, "wf failed", header(":x: Failed: p/wf"), marks=["11"]
    )
    reply = await poster.post_message(
        CHANNEL, "retry failed too", section("*Attempt #2 failed too*"), parent, marks=["12"]
    )
    assert parent != reply
    printed = out.getvalue().splitlines()
    assert printed[1:3] == ["tdbot · #demo", "  ❌ Failed: p/wf"]
    assert "↳ tdbot in the thread of “❌ Failed: p/wf”" in printed
    assert "  │ Attempt #2 failed too" in printed
    assert poster.chat.messages[parent].replies == [reply]


async def test_an_edited_parent_is_shown_again_in_full(
    poster: ConsoleChatPoster, out: io.StringIO
) -> None:
    parent = await poster.post_message(CHANNEL, "wf failed", header("Failed: p/wf"), marks=["11"])
    await poster.update_message(CHANNEL, parent, "wf recovered", header("Recovered: p/wf"))
    printed = out.getvalue().splitlines()
    assert "tdbot · #demo · edited in place: the message is now" in printed
    assert printed[-2:] == ["  Recovered: p/wf", "  " + "─" * len("Recovered: p/wf")]
    message = poster.chat.messages[parent]
    assert (message.text, message.edits, message.title) == ("wf recovered", 1, "Recovered: p/wf")


async def test_updating_an_unknown_message_is_a_permanent_chat_error(
    poster: ConsoleChatPoster,
) -> None:
    with pytest.raises(ChatError) as raised:
        await poster.update_message(CHANNEL, "1.000001", "x", [])
    assert raised.value.error == "message_not_found" and raised.value.permanent


async def test_find_marked_looks_in_the_channel_or_in_one_thread(
    poster: ConsoleChatPoster,
) -> None:
    parent = await poster.post_message(CHANNEL, "a", [], marks=["11"])
    reply = await poster.post_message(CHANNEL, "b", [], parent, marks=["12"])
    other = await poster.post_message("C0OTHER", "c", [], marks=["13"])

    async def find(mark: str, thread_ts: str | None, channel: str = CHANNEL) -> str | None:
        return await poster.find_marked(channel, mark, thread_ts=thread_ts, oldest=OLDEST)

    assert await find("11", None) == parent
    assert await find("11", parent) == parent  # the parent belongs to its thread
    assert await find("12", parent) == reply
    assert await find("12", None) is None  # a thread reply is not in the channel's history
    assert await find("13", None) is None
    assert await find("13", None, "C0OTHER") == other
    assert poster.chat.latest_parent(CHANNEL) is poster.chat.messages[parent]
