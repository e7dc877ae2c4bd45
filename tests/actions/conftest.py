"""An ActionService over real loopback HTTP to the sandbox and a real SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.actions import ActionService
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import ResponseHook, RetryPolicy, TDClient

ADMIN = "UADMIN01"
ADMIN_2 = "WADMIN02"
OTHER = "UOTHER01"
CHANNEL = "C0ALERTS"
THREAD = "1717400000.000100"
T0 = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real loopback HTTP; every request is kept so a test can read the body tdbot sent."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def writes(self) -> list[httpx.Request]:
        return [r for r in self.sent if r.method != "GET"]


def td_client(
    sandbox: Sandbox,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    api_key: str | None = None,
    on_response: ResponseHook | None = None,
) -> TDClient:
    # One try: a test of a TD failure must see it, not a retry of it.
    return TDClient(
        api_key or sandbox.api_key,
        sandbox.endpoints(),
        retry=RetryPolicy(max_attempts=1),
        transport=transport,
        on_response=on_response,
    )


def raw(sandbox: Sandbox, path: str) -> Any:
    """TD's JSON exactly as sent (no model in between)."""
    response = httpx.get(
        sandbox.url + path, headers={"Authorization": f"TD1 {sandbox.api_key}"}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def send(sandbox: Sandbox, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"TD1 {sandbox.api_key}"}
    return httpx.request(method, sandbox.url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    async with await Store.open(f"sqlite:///{tmp_path / 'state.db'}", clock=clock) as opened:
        yield opened


@pytest.fixture
def wire() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
async def td(sandbox: Sandbox, wire: RecordingTransport) -> AsyncIterator[TDClient]:
    async with td_client(sandbox, wire) as client:
        yield client


@pytest.fixture
def service(td: TDClient, store: Store, clock: FakeClock) -> ActionService:
    return ActionService(td, store, frozenset({ADMIN, ADMIN_2}), clock)
