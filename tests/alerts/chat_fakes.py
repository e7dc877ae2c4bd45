"""Chat stand-ins for the alert tests.

``SlackWithHistory`` is the project's fake Slack Web API plus
``conversations.history`` / ``conversations.replies`` over the messages posted
to it, which is what the exactly-once lookup reads. The in-process notifier
fake is ``tests.fakes.notifier.RecordingNotifier``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

from bot.notify.slack import message_marks
from tests.fakes.slack_api import Call, FakeSlackAPI


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
