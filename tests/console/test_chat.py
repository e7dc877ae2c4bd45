"""ConsoleNotifier: the notifier port on the console, messages printed as a reader sees them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.console.chat import ConsoleChat, ConsoleNotifier
from bot.console.screen import Screen
from bot.message import File, Message
from bot.notify import NotifyError
from bot.render import TerminalStyle

CHANNEL = "C0DEMO"
OLDEST = datetime(2024, 1, 1, tzinfo=UTC)


def message(title: str, *, emoji: str = "", header: bool = True) -> Message:
    return Message(title=title, text=title, emoji=emoji, header=header)


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def notifier(out: io.StringIO, tmp_path: Path) -> ConsoleNotifier:
    chat = ConsoleChat(
        Screen(out, TerminalStyle(width=80)),
        bot_name="tdbot",
        channel_names={CHANNEL: "#demo"},
        files=tmp_path,
    )
    return ConsoleNotifier(chat)


async def test_thread_replies_are_indented_under_their_parent(
    notifier: ConsoleNotifier, out: io.StringIO
) -> None:
    parent = await notifier.post(CHANNEL, message("Failed: p/wf", emoji=":x:"), marks=["11"])
    reply = await notifier.post(
        CHANNEL, message("Attempt #2 failed too", header=False), thread=parent, marks=["12"]
    )
    assert parent != reply
    printed = out.getvalue().splitlines()
    assert printed[1:3] == ["tdbot · #demo", "  ❌ Failed: p/wf"]
    assert "↳ tdbot in the thread of “❌ Failed: p/wf”" in printed
    assert "  │ Attempt #2 failed too" in printed
    assert notifier.chat.messages[parent].replies == [reply]


async def test_an_edited_parent_is_shown_again_in_full(
    notifier: ConsoleNotifier, out: io.StringIO
) -> None:
    parent = await notifier.post(CHANNEL, message("Failed: p/wf"), marks=["11"])
    await notifier.update(CHANNEL, parent, message("Recovered: p/wf"))
    printed = out.getvalue().splitlines()
    assert "tdbot · #demo · edited in place: the message is now" in printed
    assert printed[-2:] == ["  Recovered: p/wf", "  " + "─" * len("Recovered: p/wf")]
    shown = notifier.chat.messages[parent]
    assert (shown.message.text, shown.edits, shown.title) == ("Recovered: p/wf", 1, shown.title)
    assert shown.title == "Recovered: p/wf"


async def test_updating_an_unknown_message_is_a_permanent_error(
    notifier: ConsoleNotifier,
) -> None:
    with pytest.raises(NotifyError) as raised:
        await notifier.update(CHANNEL, "1.000001", message("x"))
    assert raised.value.error == "message_not_found" and raised.value.permanent


async def test_files_are_saved_where_a_reader_can_open_them(
    notifier: ConsoleNotifier, out: io.StringIO, tmp_path: Path
) -> None:
    chart = File("../../timeline-9.png", "Timeline", b"\x89PNG data")
    await notifier.post(CHANNEL, Message(title="Timeline", text="t", files=(chart,)))
    saved = tmp_path / "timeline-9.png"  # a name, never a path from elsewhere
    assert saved.read_bytes() == b"\x89PNG data"
    assert f"    {saved}\n" in out.getvalue()


async def test_find_marked_looks_in_the_channel_or_in_one_thread(
    notifier: ConsoleNotifier,
) -> None:
    parent = await notifier.post(CHANNEL, message("a"), marks=["11"])
    reply = await notifier.post(CHANNEL, message("b"), thread=parent, marks=["12"])
    other = await notifier.post("C0OTHER", message("c"), marks=["13"])

    async def find(mark: str, thread: str | None, channel: str = CHANNEL) -> str | None:
        return await notifier.find_marked(channel, mark, thread=thread, oldest=OLDEST)

    assert await find("11", None) == parent
    assert await find("11", parent) == parent  # the parent belongs to its thread
    assert await find("12", parent) == reply
    assert await find("12", None) is None  # a thread reply is not in the channel's history
    assert await find("13", None) is None
    assert await find("13", None, "C0OTHER") == other
    assert notifier.chat.latest_parent(CHANNEL) is notifier.chat.messages[parent]
