"""``ConsoleNotifier``: the console surface of the notifier port, printing into the demo.

Messages are kept as Slack keeps them (ts, thread, marks, edits), so delivery's
exactly-once lookup (``find_marked``) works as it does against Slack; what a
reader would see is printed by the console renderer: a parent message in the
channel, a thread reply indented under a reminder of its parent, and an edited
parent shown again in full.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.console.screen import Screen
from bot.message import Message
from bot.notify import Capabilities, Marks, NotifyError
from bot.render import render_console
from bot.render.console import emoji

MESSAGE_INDENT = "  "
THREAD_INDENT = "  │ "


@dataclass
class ChatMessage:
    channel: str
    ts: str
    message: Message
    thread_ts: str | None
    marks: tuple[str, ...] = ()
    edits: int = 0
    replies: list[str] = field(default_factory=list)  # ts of the thread replies

    @property
    def title(self) -> str:
        """How a thread is referred to: the message's title, after its emoji."""
        lead = f"{self.message.emoji} " if self.message.emoji else ""
        return emoji(lead + self.message.title)


class ConsoleChat:
    """The demo's chat: the channel's messages, printed as they are posted or edited."""

    def __init__(
        self,
        screen: Screen,
        *,
        bot_name: str,
        channel_names: Mapping[str, str],
        files: Path | None = None,
    ) -> None:
        self.screen = screen
        # Where a message's files (a chart) are saved: the console's upload.
        self.files = files
        self.bot_name = bot_name
        self.channel_names = dict(channel_names)
        self.messages: dict[str, ChatMessage] = {}
        # Slack's ts: seconds.micros, unique per channel and increasing.
        self._ts = (f"{int(time.time())}.{n:06d}" for n in itertools.count(1))

    def post(
        self,
        channel: str,
        posted: Message,
        thread_ts: str | None = None,
        *,
        marks: Sequence[str] = (),
        shown_lines: int | None = None,
    ) -> ChatMessage:
        """Keep and print a message; ``shown_lines`` prints only its first lines."""
        message = ChatMessage(channel, next(self._ts), posted, thread_ts, tuple(marks))
        self.messages[message.ts] = message
        parent = self.messages.get(thread_ts) if thread_ts is not None else None
        if parent is None:
            self._show(message, self._from(channel), shown_lines)
        else:
            parent.replies.append(message.ts)
            heading = f"↳ {self.bot_name} in the thread of “{parent.title}”"
            self._show(message, heading, shown_lines)
        return message

    def edit(self, channel: str, ts: str, edited: Message) -> ChatMessage | None:
        message = self.messages.get(ts)
        if message is None or message.channel != channel:
            return None
        message.message = edited
        message.edits += 1
        self._show(message, f"{self._from(channel)} · edited in place: the message is now")
        return message

    def latest_parent(self, channel: str) -> ChatMessage | None:
        """The newest alert posted to the channel itself (not into a thread)."""
        found = [
            m
            for m in self.messages.values()
            if m.channel == channel and m.thread_ts is None and m.marks
        ]
        return found[-1] if found else None

    def _from(self, channel: str) -> str:
        return f"{self.bot_name} · {self.channel_names.get(channel, channel)}"

    def _show(self, message: ChatMessage, heading: str, shown_lines: int | None = None) -> None:
        style = self.screen.style
        indent = MESSAGE_INDENT if message.thread_ts is None else THREAD_INDENT
        body = render_console(message.message, style)
        if saved := self._save_files(message.message):
            body.append(
                style.dim("In Slack it is uploaded next to this message; here it is saved to:")
            )
            body.extend(f"  {path}" for path in saved)
        if shown_lines is not None and len(body) > shown_lines:
            left = len(body) - shown_lines
            body = [*body[:shown_lines], style.dim(f"… ({left} more lines)")]
        self.screen.print(["", style.dim(heading), *(indent + line for line in body)])

    def _save_files(self, message: Message) -> list[Path]:
        """Write the message's files where a reader can open them (Slack would upload them)."""
        if self.files is None:
            return []
        saved = []
        for file in message.files:
            path = self.files / Path(file.name).name  # a name, never a path from elsewhere
            path.write_bytes(file.data)
            saved.append(path)
        return saved


class ConsoleNotifier:
    """``bot.notify.Notifier`` over ``ConsoleChat``: threads, edits and marks, like Slack."""

    surface = "console"
    capabilities = Capabilities(threads=True, updates=True, findable=True)

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        return self.chat.post(destination, message, thread, marks=marks).ts

    async def update(self, destination: str, ref: str, message: Message) -> None:
        if self.chat.edit(destination, ref, message) is None:
            raise NotifyError("message_not_found", error="message_not_found", permanent=True)

    async def find_marked(
        self, destination: str, mark: str, *, thread: str | None, oldest: datetime
    ) -> str | None:
        # ``oldest`` is not applied: the ts values here are not on the sandbox's clock.
        for message in self.chat.messages.values():
            if message.channel != destination or mark not in message.marks:
                continue
            if thread is None and message.thread_ts is None:
                return message.ts
            if thread is not None and thread in (message.thread_ts, message.ts):
                return message.ts
        return None
