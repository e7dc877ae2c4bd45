"""Shared test values and a reader of the sandbox's request log."""

from __future__ import annotations

import asyncio
import time

from bot.sandbox import Sandbox
from bot.sandbox.requestlog import RequestRecord
from bot.td import Endpoints, RetryPolicy

# Small enough to keep the suite fast, large enough to see the waits.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_total=5.0)
MOCK_KEY = "1234/0123456789abcdef0123456789abcdef01234567"
MOCK_ENDPOINTS = Endpoints(
    api="http://api.td.test",
    workflow="http://wf.td.test",
    console="http://console.td.test",
    region=None,
)


async def logged(sandbox: Sandbox, sent: int, timeout: float = 2.0) -> list[RequestRecord]:
    """The log once it holds ``sent`` records.

    The sandbox appends a record after it has sent the response, so the client
    may read its answer a moment before the record lands.
    """
    deadline = time.monotonic() + timeout
    while len(records := sandbox.requests.records) < sent and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    return records
