"""Shared test values."""

from __future__ import annotations

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
