"""``ConsoleChatPoster``: the alert poller's ``ChatPoster``, printing into the console.

Messages are kept as Slack keeps them (ts, thread, metadata marks, edits), so
the poller's exactly-once lookup (``find_marked``) works as it does against
Slack; what Slack would show is printed: a parent message in the channel, a
thread reply indented under a reminder of its parent, and an edited parent
shown again in full.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.alerts.chat import Blocks, ChatError
from bot.console.screen import Screen
from bot.console.terminal import emoji, render_message

MESSAGE_INDENT = "  "
THREAD_INDENT = "  │ "


@dataclass
class ChatMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    marks: tuple[str, ...] = ()
    edits: int = 0
    replies: list[str] = field(default_factory=list)  # ts of the thread replies

    @property
    def title(self) -> str:
        """The header, or the first line of the text: how a thread is referred to."""
        for block in self.blocks:
            if block.get("type") == "header":
                return emoji(str(block["text"]["text"]))
        return emoji(self.text.split("\n", 1)[0])


class ConsoleChat:
    """The demo's chat: the channel's messages, printed as they are posted or edited."""

    def __init__(self, screen: Screen, *, bot_name: str, channel_names: Mapping[str, str]) -> None:
        self.screen = screen
        self.bot_name = bot_name
        self.channel_names = dict(channel_names)
        self.messages: dict[str, ChatMessage] = {}
        # Slack's ts: seconds.micros, unique per channel and increasing.
        self._ts = (f"{int(time.time())}.{n:06d}" for n in itertools.count(1))

    def post(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        thread_ts: str | None = None,
        *,
        marks: Sequence[str] = (),
        shown_lines: int | None = None,
    ) -> ChatMessage:
        """Keep and print a message; ``shown_lines`` prints only its first lines."""
        message = ChatMessage(
            channel, next(self._ts), text, [dict(b) for b in blocks], thread_ts, tuple(marks)
        )
        self.messages[message.ts] = message
        parent = self.messages.get(thread_ts) if thread_ts is not None else None
        if parent is None:
            self._show(message, self._from(channel), shown_lines)
        else:
            parent.replies.append(message.ts)
            heading = f"↳ {self.bot_name} in the thread of “{parent.title}”"
            self._show(message, heading, shown_lines)
        return message

    def edit(self, channel: str, ts: str, text: str, blocks: Blocks) -> ChatMessage | None:
        message = self.messages.get(ts)
        if message is None or message.channel != channel:
            return None
        message.text, message.blocks = text, [dict(b) for b in blocks]
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
        body = render_message(message.text, message.blocks, style)
        if shown_lines is not None and len(body) > shown_lines:
            left = len(body) - shown_lines
            body = [*body[:shown_lines], style.dim(f"… ({left} more lines)")]
        self.screen.print(["", style.dim(heading), *(indent + line for line in body)])


class ConsoleChatPoster:
    """``bot.alerts.ChatPoster`` over ``ConsoleChat``."""

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        thread_ts: str | None = None,
        *,
        marks: Sequence[str] = (),
    ) -> str:
        return self.chat.post(channel, text, blocks, thread_ts, marks=marks).ts

    async def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> None:
        if self.chat.edit(channel, ts, text, blocks) is None:
            raise ChatError(
                "chat.update: message_not_found", error="message_not_found", permanent=True
            )

    async def find_marked(
        self, channel: str, mark: str, *, thread_ts: str | None, oldest: datetime
    ) -> str | None:
        # ``oldest`` is not applied: the ts values here are not on the sandbox's clock.
        for message in self.chat.messages.values():
            if message.channel != channel or mark not in message.marks:
                continue
            if thread_ts is None and message.thread_ts is None:
                return message.ts
            if thread_ts is not None and thread_ts in (message.thread_ts, message.ts):
                return message.ts
        return None
