"""Alerts through slack_sdk to the fake Slack Web API over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.alerts import Poller, PollerConfig
from bot.alerts.delivery import diagnosis_mark
from bot.alerts.sender import DeliveryConfig
from bot.notify import SlackNotifier, slack_client
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient
from tests.alerts.chat_fakes import SlackWithHistory, marks_of
from tests.alerts.conftest import CHANNEL, LAB, RECOVERS, Scenario, sandbox_pacer


@pytest.fixture
def slack() -> Iterator[SlackWithHistory]:
    with SlackWithHistory() as fake:
        yield fake


async def test_failure_then_recovery_through_slack(
    td: TDClient, store: Store, sandbox: Sandbox, scenario: Scenario, slack: SlackWithHistory
) -> None:
    notifier = SlackNotifier(slack_client(slack.token, slack.api_url, retry_rate_limits=False))
    poller = Poller(
        td,
        store,
        notifier,
        console=sandbox.url,
        # The fake's Retry-After is whole seconds; waiting it out is simulated time.
        config=PollerConfig(delivery=DeliveryConfig(max_inline_wait=5)),
        clock=sandbox.clock.now,
        pacer=sandbox_pacer(sandbox),
    )
    await poller.poll_once()
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    slack.rate_limit(1, retry_after=1, path="/api/chat.postMessage")
    scenario.fail(RECOVERS)
    scenario.advance()
    failed = await scenario.last_attempt(RECOVERS)
    await poller.poll_once()

    # One 429, then the alert, then its diagnosis in its thread.
    _, post, reply = slack.calls("/api/chat.postMessage")
    assert post.body["channel"] == CHANNEL
    assert f"{LAB}/{RECOVERS}" in post.body["text"]
    assert post.body["metadata"]["event_type"] == "tdbot_alert"
    assert reply.body["metadata"]["event_payload"] == {"claims": [diagnosis_mark(failed.id)]}

    fixed = await scenario.retry(failed)
    scenario.advance()
    await poller.poll_once()
    await poller.poll_once()

    parent, diagnosis, recovery = slack.posted(CHANNEL)
    assert diagnosis["thread_ts"] == parent["ts"]
    assert marks_of(parent) == [failed.id] and marks_of(recovery) == [fixed.id]
    assert recovery["thread_ts"] == parent["ts"]
    assert parent["edited"] == 1 and "recovered by attempt #2" in parent["text"]
    [update] = slack.calls("/api/chat.update")
    assert update.body["ts"] == parent["ts"]
