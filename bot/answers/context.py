"""Who asked, and where: what an answer may depend on besides the command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    user_id: str
    channel_id: str
    thread_ts: str | None = None  # set when the request came from inside a thread
    # The attempt an alert thread is about, so "@tdbot diagnose" needs no id.
    thread_attempt_id: str | None = None
