"""Chat stand-ins for the alert tests.

``RecordingPoster`` is an in-process ``ChatPoster`` that keeps every message
(and can be told to fail); ``SlackWithHistory`` is the project's fake Slack
Web API plus ``conversations.history`` / ``conversations.replies`` over the
messages posted to it, which is what the exactly-once lookup reads.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from bot.alerts.chat import Blocks, ChatError, ChatRateLimited, message_marks
from tests.fakes.slack_api import Call, FakeSlackAPI


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    marks: list[str]
    edits: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    @property
    def current_text(self) -> str:
        return self.edits[-1][0] if self.edits else self.text

    @property
    def current_blocks(self) -> list[dict[str, Any]]:
        return self.edits[-1][1] if self.edits else self.blocks


class RecordingPoster:
    """A ChatPoster that records; ``fail_next`` queues errors for the next posts."""

    def __init__(self) -> None:
        self.messages: list[Posted] = []
        self.failures: list[ChatError] = []
        self.lose_responses = 0  # posts that go through but raise as if the answer was lost
        self.lookups = 0
        self._ts = itertools.count(1)

    def fail_next(self, *errors: ChatError) -> None:
        self.failures.extend(errors)

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        thread_ts: str | None = None,
        *,
        marks: Sequence[str] = (),
    ) -> str:
        if self.failures:
            raise self.failures.pop(0)
        ts = f"1700000000.{next(self._ts):06d}"
        self.messages.append(
            Posted(channel, ts, text, [dict(b) for b in blocks], thread_ts, list(marks))
        )
        if self.lose_responses:
            self.lose_responses -= 1
            raise ChatError("read timeout", error="transport")
        return ts

    async def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> None:
        for m in self.messages:
            if m.channel == channel and m.ts == ts:
                m.edits.append((text, [dict(b) for b in blocks]))
                return
        raise ChatError("chat.update: message_not_found", error="message_not_found", permanent=True)

    async def find_marked(
        self, channel: str, mark: str, *, thread_ts: str | None, oldest: datetime
    ) -> str | None:
        self.lookups += 1
        for m in self.messages:
            in_place = (
                m.thread_ts is None
                if thread_ts is None
                else (m.thread_ts == thread_ts or m.ts == thread_ts)
            )
            if m.channel == channel and in_place and mark in m.marks:
                return m.ts
        return None

    def parents(self, channel: str | None = None) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts is None and channel in (None, m.channel)]

    def replies(self, thread_ts: str) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts == thread_ts]


def rate_limited(seconds: float = 0.01) -> ChatRateLimited:
    return ChatRateLimited("rate limited", retry_after=seconds)


class SlackWithHistory(FakeSlackAPI):
    """FakeSlackAPI that also answers ``conversations.history`` and ``.replies``.

    Messages are kept with their metadata, as Slack keeps them, so a bot that
    lost the answer to a post can find the post. ``oldest`` is not applied: the
    fake's ts values are not wall-clock times, and the sandbox's clock is not
    the wall clock either.
    """

    def __init__(self, token: str = "xoxb-fake-token") -> None:
        super().__init__(token)
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __enter__(self) -> SlackWithHistory:
        self.start()
        return self

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._messages if channel in (None, m["channel"])]

    def _answer(self, call: Call) -> Response:
        method = call.path.removeprefix("/api/")
        if method in ("conversations.history", "conversations.replies"):
            if call.auth != f"Bearer {self.token}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            return self._history(call.body, replies=method == "conversations.replies")
        response = super()._answer(call)
        if method in ("chat.postMessage", "chat.update"):
            answer = json.loads(bytes(response.body))
            if answer.get("ok"):
                self._keep(method, call.body, answer["ts"])
        return response

    def _keep(self, method: str, body: Mapping[str, Any], ts: str) -> None:
        with self._lock:
            if method == "chat.update":
                for m in self._messages:
                    if m["channel"] == body.get("channel") and m["ts"] == ts:
                        m["text"] = body.get("text", "")
                        m["blocks"] = body.get("blocks", [])
                        m["edited"] = m.get("edited", 0) + 1
                return
            metadata = body.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            self._messages.append(
                {
                    "channel": body.get("channel"),
                    "ts": ts,
                    "text": body.get("text", ""),
                    "blocks": body.get("blocks", []),
                    "thread_ts": body.get("thread_ts"),
                    "metadata": metadata,
                }
            )

    def _history(self, body: Mapping[str, Any], *, replies: bool) -> Response:
        channel = body.get("channel")
        with_meta = str(body.get("include_all_metadata", "")).lower() in ("true", "1")
        with self._lock:
            found = [m for m in self._messages if m["channel"] == channel]
        if replies:
            root = body.get("ts")
            found = [m for m in found if m["ts"] == root or m["thread_ts"] == root]
        else:
            found = [m for m in found if m["thread_ts"] is None]
        messages = []
        for m in found:
            shown = {"type": "message", "ts": m["ts"], "text": m["text"]}
            if m["thread_ts"] is not None:
                shown["thread_ts"] = m["thread_ts"]
            if with_meta and m["metadata"]:
                shown["metadata"] = m["metadata"]
            messages.append(shown)
        if not replies:
            messages.reverse()  # newest first, as Slack lists a channel
        return JSONResponse({"ok": True, "messages": messages, "has_more": False})


def marks_of(message: Mapping[str, Any]) -> list[str]:
    return message_marks({"metadata": message.get("metadata")})
