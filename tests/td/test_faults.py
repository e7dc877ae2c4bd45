"""Retries under the sandbox's injected 5xx, 429 and latency, counted on both ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.td import Endpoints, RetryPolicy, TDClient
from bot.td.errors import RateLimited, Unavailable
from tests.td.helpers import FAST_RETRY

Seen = list[tuple[str, str, int | None]]


@pytest.fixture
def seen() -> Seen:
    return []


@pytest.fixture
async def observed(sandbox: Sandbox, seen: Seen) -> AsyncIterator[TDClient]:
    """A sandbox client whose on_response hook records (method, template, status)."""
    client = TDClient(
        sandbox.api_key,
        sandbox.endpoints(),
        retry=FAST_RETRY,
        on_response=lambda method, path, status, _seconds: seen.append((method, path, status)),
    )
    yield client
    await client.aclose()


async def test_get_survives_two_500s(observed: TDClient, sandbox: Sandbox, seen: Seen) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    sandbox.faults.fail(2, status=500, path_prefix="/api/attempts/")
    tasks = await observed.tasks(attempt_id)
    assert tasks
    records = sandbox.requests.records
    assert [r.status for r in records] == [500, 500, 200]
    assert observed.request_count == 3
    template = "/api/attempts/{id}/tasks"
    assert seen == [("GET", template, 500), ("GET", template, 500), ("GET", template, 200)]


async def test_persistent_5xx_gives_up_after_max_attempts(td: TDClient, sandbox: Sandbox) -> None:
    sandbox.faults.fail(10, status=503)
    with pytest.raises(Unavailable) as info:
        await td.databases()
    assert (info.value.status, info.value.message) == (503, "Injected failure")
    assert info.value.path == "/v3/database/list"
    records = sandbox.requests.records
    assert len(records) == td.request_count == FAST_RETRY.max_attempts


async def test_429_waits_for_retry_after(td: TDClient, sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit(1, retry_after=0.3)
    begun = time.monotonic()
    assert await td.server_status() == "ok"
    assert time.monotonic() - begun >= 0.3
    records = sandbox.requests.records
    assert [r.status for r in records] == [429, 200]


async def test_429_longer_than_the_time_budget_is_raised_at_once(
    td: TDClient, sandbox: Sandbox
) -> None:
    sandbox.faults.rate_limit(5, retry_after=60)
    begun = time.monotonic()
    with pytest.raises(RateLimited) as info:
        await td.iter_projects().__anext__()
    assert time.monotonic() - begun < 1
    assert info.value.retry_after == 60 and info.value.status == 429
    assert info.value.message == "Too Many Requests"
    assert td.request_count == 1


async def test_total_time_bounds_the_retries(sandbox: Sandbox) -> None:
    policy = RetryPolicy(max_attempts=50, base_delay=0.2, max_delay=0.2, max_total=0.5)
    sandbox.faults.rate_limit(50, retry_after=0.2)
    async with TDClient(sandbox.api_key, sandbox.endpoints(), retry=policy) as client:
        begun = time.monotonic()
        with pytest.raises(RateLimited):
            await client.account()
        elapsed = time.monotonic() - begun
    assert 0.4 <= elapsed < 1.5
    assert 2 <= client.request_count <= 4  # 0.2 s apart within 0.5 s, nowhere near 50


async def test_latency_beyond_the_read_timeout(sandbox: Sandbox, seen: Seen) -> None:
    sandbox.faults.latency = 0.5
    async with TDClient(
        sandbox.api_key,
        sandbox.endpoints(),
        retry=FAST_RETRY,
        timeout=httpx.Timeout(0.1, connect=1),
        on_response=lambda m, p, s, _t: seen.append((m, p, s)),
    ) as client:
        with pytest.raises(Unavailable, match="ReadTimeout") as info:
            await client.attempt(1)
    assert info.value.status is None
    assert seen == [("GET", "/api/attempts/{id}", None)] * FAST_RETRY.max_attempts


async def test_latency_within_the_timeout_and_requests_overlap(
    td: TDClient, sandbox: Sandbox
) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    sandbox.faults.latency = 0.2
    begun = time.monotonic()
    results = await asyncio.gather(*(td.attempt(attempt_id) for _ in range(10)))
    elapsed = time.monotonic() - begun
    assert len({a.id for a in results}) == 1
    assert 0.2 <= elapsed < 1.0  # ten 0.2 s requests in flight together, not one by one


async def test_writes_are_not_retried_on_5xx(td: TDClient, sandbox: Sandbox) -> None:
    running_id = sandbox.last_attempt_id("ml_features/train_features")
    assert running_id is not None
    sandbox.faults.fail(1, status=500, path_prefix="/api/attempts/")
    with pytest.raises(Unavailable) as info:
        await td.kill_attempt(running_id)
    assert (info.value.method, info.value.status) == ("POST", 500)
    assert td.request_count == 1
    assert not (await td.attempt(running_id)).cancel_requested  # the kill never happened
    sandbox.faults.rate_limit(1, retry_after=0)
    with pytest.raises(RateLimited):
        await td.start_attempt(1, "2024-06-10T00:00:00Z", {})
    records = sandbox.requests.records
    assert [(r.method, r.status) for r in records] == [("POST", 500), ("GET", 200), ("PUT", 429)]
    killed = await td.kill_attempt(running_id)
    assert killed is not None and killed.id == running_id


async def test_unreachable_server(unused_port: int) -> None:
    endpoint = f"http://127.0.0.1:{unused_port}"
    down = Endpoints(api=endpoint, workflow=endpoint, console=endpoint, region=None)
    async with TDClient("k" * 8, down, retry=FAST_RETRY) as client:
        with pytest.raises(Unavailable, match="ConnectError") as info:
            await client.server_status()
        with pytest.raises(Unavailable):  # a write whose connection never opened: retried
            await client.kill_job(1)
    assert info.value.status is None
    assert client.request_count == 2 * FAST_RETRY.max_attempts
