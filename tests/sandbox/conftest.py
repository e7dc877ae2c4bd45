"""Helpers for the sandbox's own tests: plain httpx clients, as any TD client would be."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.sandbox import Sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authorised client of the sandbox's TD APIs."""
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": f"TD1 {sandbox.api_key}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def anon(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client without the TD1 header."""
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        yield client
