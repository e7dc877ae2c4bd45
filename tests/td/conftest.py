"""Fixtures for the TD client tests.

Most tests talk to the sandbox (``sandbox`` fixture from tests/conftest.py)
over real loopback HTTP. ``mock_td`` exists only for situations the sandbox
cannot produce (HTTP-date Retry-After, a 204 kill, odd error bodies...).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.td.helpers import FAST_RETRY, MOCK_ENDPOINTS, MOCK_KEY

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    """A client of the sandbox with fast retries."""
    async with TDClient(sandbox.api_key, sandbox.endpoints(), retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
def mock_key() -> str:
    return MOCK_KEY


@pytest.fixture
async def mock_td() -> AsyncIterator[Callable[..., TDClient]]:
    """``mock_td(handler, **TDClient kwargs)``: a client whose HTTP goes to ``handler``."""
    made: list[TDClient] = []

    def make(handler: Handler, **kwargs: Any) -> TDClient:
        kwargs.setdefault("retry", FAST_RETRY)
        transport = httpx.MockTransport(handler)
        client = TDClient(MOCK_KEY, MOCK_ENDPOINTS, transport=transport, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def unused_port() -> int:
    """A loopback port with nothing listening (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
