"""Escalation with several replicas: three stores on one database escalate an alert once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.alerts import Poller
from bot.alerts.escalation import Escalator, escalation_mark
from bot.alerts.sender import DeliveryConfig, Sender
from bot.sandbox import Sandbox
from bot.store import Store
from tests.alerts.conftest import CHANNEL, KEEPS_FAILING, LAB, Scenario, sandbox_pacer
from tests.fakes.notifier import RecordingNotifier

ONCALL = "U0ONCALL01"


async def test_three_replicas_escalate_once(
    poller: Poller,
    store: Store,
    notifier: RecordingNotifier,
    scenario: Scenario,
    sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    await poller.poll_once()
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    await store.set_escalation(LAB, None, (timedelta(minutes=5), ONCALL), set_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    failed = await scenario.last_attempt(KEEPS_FAILING)
    await poller.poll_once()
    [parent] = notifier.alerts()
    replicas = [
        await Store.open(f"sqlite:///{tmp_path / 'alerts.db'}", clock=sandbox.clock.now)
        for _ in range(3)
    ]
    try:
        escalators = [Escalator(s, console=None, clock=sandbox.clock.now) for s in replicas]
        send = Sender(notifier, sandbox_pacer(sandbox), DeliveryConfig())
        assert await asyncio.gather(*(e.run(send) for e in escalators)) == [0, 0, 0]  # not due

        sandbox.advance(6 * 60)
        sent = await asyncio.gather(*(e.run(send) for e in escalators))
        assert sorted(sent) == [0, 0, 1]
        assert sum(await asyncio.gather(*(e.run(send) for e in escalators))) == 0
    finally:
        for replica in replicas:
            await replica.close()
    [escalation] = [m for m in notifier.messages if escalation_mark(failed.session_id) in m.marks]
    assert escalation.thread_ts == parent.ts and escalation.message.broadcast
    assert f"<@{ONCALL}>" in str(escalation.blocks)
