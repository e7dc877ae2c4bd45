"""The alert path watching itself: the operators' channel hears once when it breaks, once
when it mends (against the sandbox over HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.alerts import Poller, PollerConfig
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import RetryPolicy, TDClient
from tests.alerts.conftest import sandbox_pacer
from tests.fakes.notifier import RecordingNotifier

OPS = "C0OPS00001"
FAST = PollerConfig(poll_seconds=0.02, outage_backoff_cap=0.05)


def poller(td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox) -> Poller:
    return Poller(
        td,
        store,
        notifier,
        console=sandbox.url,
        config=FAST,
        clock=sandbox.clock.now,
        pacer=sandbox_pacer(sandbox),
        ops_channel=OPS,
    )


@pytest.fixture
async def revoked(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(
        "1/" + "f" * 40, sandbox.endpoints(), retry=RetryPolicy(max_attempts=1)
    ) as td:
        yield td


@pytest.fixture
async def impatient(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(
        sandbox.api_key, sandbox.endpoints(), retry=RetryPolicy(max_attempts=1)
    ) as td:
        yield td


async def ticks(p: Poller, n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0.06)  # past the (tiny) backoff
        await p.tick()


def texts(notifier: RecordingNotifier) -> list[str]:
    return [m.message.title for m in notifier.messages if m.channel == OPS]


async def test_a_revoked_key_is_said_at_once_and_once(
    revoked: TDClient, impatient: TDClient, store: Store, sandbox: Sandbox
) -> None:
    notifier = RecordingNotifier()
    broken = poller(revoked, store, notifier, sandbox)
    await broken.tick()
    assert texts(notifier) == ["tdbot cannot watch TD: alerts are not being sent"]
    assert "401" in notifier.messages[0].text and "TD_API_KEY" in notifier.messages[0].text
    await ticks(broken, 3)
    assert len(texts(notifier)) == 1  # said once, however many polls fail

    # A new key (another process, the same store): one message that it works again.
    mended = poller(impatient, store, notifier, sandbox)
    await mended.tick()
    await ticks(mended, 2)
    assert texts(notifier)[1:] == ["tdbot is watching TD again"]


async def test_an_outage_is_said_only_once_it_has_lasted(
    impatient: TDClient, store: Store, sandbox: Sandbox
) -> None:
    notifier = RecordingNotifier()
    p = poller(impatient, store, notifier, sandbox)
    await p.tick()  # a good poll first
    sandbox.faults.fail(1000, status=503)
    await ticks(p, 3)
    assert texts(notifier) == []  # failing, but not for ten minutes yet
    sandbox.advance(11 * 60)
    await ticks(p, 3)
    assert texts(notifier) == ["tdbot cannot watch TD: alerts are not being sent"]
    assert "for 11 minutes" in notifier.messages[0].message.sections[0]
    sandbox.faults.clear()
    await ticks(p, 3)
    assert texts(notifier) == [
        "tdbot cannot watch TD: alerts are not being sent",
        "tdbot is watching TD again",
    ]


async def test_a_short_outage_says_nothing(
    impatient: TDClient, store: Store, sandbox: Sandbox
) -> None:
    notifier = RecordingNotifier()
    p = poller(impatient, store, notifier, sandbox)
    sandbox.faults.fail(2, status=500)
    await ticks(p, 5)
    assert not p.failing and texts(notifier) == []
