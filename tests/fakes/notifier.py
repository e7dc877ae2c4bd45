"""The one in-process stand-in for a notifier: records what it is sent, fails on request.

It keeps each message as the neutral value it was given and as the Slack
renderer would send it (``text``/``blocks``), so tests can check either. Posts
and edits are timed (``posted_at``) for the alert benchmark.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.message import Message
from bot.notify import Capabilities, Marks, NotifyError, NotifyRateLimited
from bot.render import render_slack


@dataclass
class Posted:
    channel: str
    ts: str
    message: Message
    thread_ts: str | None
    marks: list[str]
    edits: list[Message] = field(default_factory=list)

    @property
    def text(self) -> str:
        return render_slack(self.message).text

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return render_slack(self.message).blocks

    @property
    def current(self) -> Message:
        return self.edits[-1] if self.edits else self.message

    @property
    def current_text(self) -> str:
        return render_slack(self.current).text

    @property
    def current_blocks(self) -> list[dict[str, Any]]:
        return render_slack(self.current).blocks


class RecordingNotifier:
    """A ``Notifier`` that records; ``fail_next`` queues errors for the next posts."""

    surface = "recording"

    def __init__(self, capabilities: Capabilities | None = None) -> None:
        self.capabilities = capabilities or Capabilities(threads=True, updates=True, findable=True)
        self.messages: list[Posted] = []
        self.failures: list[NotifyError] = []
        self.lose_responses = 0  # posts that go through but raise as if the answer was lost
        self.lookups = 0
        self.posted_at: dict[str, float] = {}  # mark -> when it was first posted (time.time)
        self._ts = itertools.count(1)

    def fail_next(self, *errors: NotifyError) -> None:
        self.failures.extend(errors)

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        if self.failures:
            raise self.failures.pop(0)
        ts = f"1700000000.{next(self._ts):06d}"
        self.messages.append(Posted(destination, ts, message, thread, list(marks)))
        now = time.time()
        for mark in marks:
            self.posted_at.setdefault(mark, now)
        if self.lose_responses:
            self.lose_responses -= 1
            raise NotifyError("read timeout", error="transport")
        return ts

    async def update(self, destination: str, ref: str, message: Message) -> None:
        for m in self.messages:
            if m.channel == destination and m.ts == ref:
                m.edits.append(message)
                return
        raise NotifyError("message_not_found", error="message_not_found", permanent=True)

    async def find_marked(
        self, destination: str, mark: str, *, thread: str | None, oldest: datetime
    ) -> str | None:
        self.lookups += 1
        for m in self.messages:
            in_place = m.thread_ts is None if thread is None else thread in (m.thread_ts, m.ts)
            if m.channel == destination and in_place and mark in m.marks:
                return m.ts
        return None

    def alerts(self) -> list[Posted]:
        """Everything but the diagnosis replies that follow alerts (``diagnoses``)."""
        return [m for m in self.messages if not _is_diagnosis(m)]

    def diagnoses(self) -> list[Posted]:
        return [m for m in self.messages if _is_diagnosis(m)]

    def parents(self, channel: str | None = None) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts is None and channel in (None, m.channel)]

    def replies(self, thread_ts: str) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts == thread_ts]


def _is_diagnosis(posted: Posted) -> bool:
    return any(mark.endswith(":diagnosis") for mark in posted.marks)


def rate_limited(seconds: float = 0.01) -> NotifyRateLimited:
    return NotifyRateLimited("rate limited", retry_after=seconds)
