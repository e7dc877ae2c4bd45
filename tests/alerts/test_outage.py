"""TD down for a while: polls back off, nothing is lost, nothing is repeated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.alerts import Poller, PollerConfig
from bot.ops.metrics import Metrics
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import RetryPolicy, TDClient
from tests.alerts.conftest import CHANNEL, KEEPS_FAILING, LAB, Scenario, sandbox_pacer
from tests.fakes.notifier import RecordingNotifier


@pytest.fixture
async def impatient_td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    # No client-side retries: every sandbox fault reaches the poller.
    async with TDClient(
        sandbox.api_key, sandbox.endpoints(), retry=RetryPolicy(max_attempts=1)
    ) as client:
        yield client


async def test_td_500s_back_off_then_deliver_once(
    impatient_td: TDClient, store: Store, sandbox: Sandbox, scenario: Scenario
) -> None:
    notifier = RecordingNotifier()
    metrics = Metrics()
    poller = Poller(
        impatient_td,
        store,
        notifier,
        console=sandbox.url,
        config=PollerConfig(poll_seconds=0.05, outage_backoff_cap=0.2),
        clock=sandbox.clock.now,
        pacer=sandbox_pacer(sandbox),
        metrics=metrics,
    )
    await poller.tick()
    assert not poller.failing and poller.last_success is not None
    healthy_at = poller.last_success
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    failed = await scenario.last_attempt(KEEPS_FAILING)

    sandbox.faults.fail(4, status=500)
    await poller.tick()
    assert poller.failing and notifier.alerts() == []
    polls_during = sandbox.requests.count()
    await poller.tick()  # inside the backoff: no request at all
    assert sandbox.requests.count() == polls_during
    for _ in range(40):
        await asyncio.sleep(0.06)
        await poller.tick()
        if notifier.alerts():
            break
    assert not poller.failing
    for _ in range(3):
        await poller.tick()
    [parent] = notifier.alerts()
    assert parent.marks == [failed.id]
    assert poller.last_success is not None and poller.last_success >= healthy_at
    assert await store.last_poll_success() is not None
    rendered = metrics.render().decode()
    assert 'tdbot_polls_total{outcome="td_error"}' in rendered
    assert 'tdbot_polls_total{outcome="ok"}' in rendered
