"""Escalation end to end: /td escalate, an unclaimed alert escalates once, a claimed one never;
PagerDuty trigger / acknowledge / resolve reach a fake Events API v2 on loopback.

The delay is a second of real time: the served bot's store runs on the wall clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.slack_api import FakeSlackAPI
from tests.service.harness import CHANNEL, USER, Running, running_service, texts
from tests.service.test_alerts import LAB, RECOVERS, alerts, failed_run
from tests.service.test_ownership import button_of, retry_in_td

ONCALL = "S0ONCALL01"
DELAY = 1.0  # seconds, as `after 1s`


def escalations(bot: Running) -> list[dict[str, object]]:
    return [
        c.body
        for c in bot.slack.calls("/api/chat.postMessage")
        if ":escalation" in str(c.body.get("metadata"))
    ]


async def past_the_delay(bot: Running) -> None:
    await asyncio.sleep(DELAY + 0.2)
    await bot.service.poller.poll_once()
    await bot.service.poller.poll_once()


async def test_an_unclaimed_alert_escalates_once_in_its_thread_and_the_channel(
    bot: Running, sandbox: Sandbox
) -> None:
    answer = await bot.ask(f"escalate {LAB}/{RECOVERS} after 1s to <!subteam^{ONCALL}|@oncall>")
    assert f"escalated to <!subteam^{ONCALL}>" in texts(answer)
    await failed_run(bot, sandbox)
    assert escalations(bot) == []  # not yet: the delay runs from the alert's post
    await past_the_delay(bot)

    [alert] = alerts(bot)
    [escalation] = escalations(bot)
    assert escalation["thread_ts"] is not None and escalation["reply_broadcast"] is True
    assert f"<!subteam^{ONCALL}>: this alert is yours now" in str(escalation["blocks"])
    assert escalation["channel"] == CHANNEL == alert["channel"]


async def test_a_claimed_alert_does_not_escalate(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    await bot.ask(f"escalate {LAB} after 1s to <@{USER}|bob>")
    failed = await failed_run(bot, sandbox)
    [alert] = alerts(bot)
    thread = await bot.service.store.get_thread(CHANNEL, (await td.attempt(failed)).session_id)
    assert thread is not None
    await bot.click(
        button_of(alert["blocks"], "tdbot.on_it"), user=USER, message_ts=thread.parent_ts
    )
    await bot.slack.wait_for("/api/chat.update", timeout=15)
    await past_the_delay(bot)
    assert escalations(bot) == []


async def test_pagerduty_without_a_routing_key_is_refused(bot: Running) -> None:
    answer = await bot.ask(f"escalate {LAB} after 30m to pagerduty")
    assert answer.body["response_type"] == "ephemeral"
    assert "TDBOT_PAGERDUTY_ROUTING_KEY" in texts(answer)
    assert await bot.service.store.escalation_rules() == []


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
async def paging_bot(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, pagerduty: FakePagerDuty
) -> AsyncIterator[Running]:
    async with running_service(sandbox, slack, tmp_path, pagerduty_url=pagerduty.url) as bot:
        yield bot


async def test_pagerduty_trigger_acknowledge_resolve_once_each_with_one_key(
    paging_bot: Running, sandbox: Sandbox, td: TDClient, pagerduty: FakePagerDuty
) -> None:
    bot = paging_bot
    await bot.ask(f"escalate {LAB}/{RECOVERS} after 1s to pagerduty")
    failed = await failed_run(bot, sandbox)
    attempt = await td.attempt(failed)
    pagerduty.fail_next(429, 500)  # both retried with backoff
    await past_the_delay(bot)

    [(action, key)] = pagerduty.actions()
    assert action == "trigger" and key == f"tdbot-session-{attempt.session_id}"
    assert len(pagerduty.attempts) == 3
    trigger = pagerduty.events[0]["payload"]
    assert f"{LAB}/{RECOVERS}" in trigger["summary"] and trigger["severity"] == "error"
    [escalation] = escalations(bot)
    assert "Sent to PagerDuty" in str(escalation["blocks"])

    # I'm on it acknowledges the incident; the recovery resolves it.
    [alert] = alerts(bot)
    thread = await bot.service.store.get_thread(CHANNEL, attempt.session_id)
    assert thread is not None
    await bot.click(
        button_of(alert["blocks"], "tdbot.on_it"), user=USER, message_ts=thread.parent_ts
    )
    await bot.slack.wait_for("/api/chat.update", timeout=15)
    await retry_in_td(td, failed)
    sandbox.advance(600)
    await bot.service.poller.poll_once()
    await bot.service.poller.poll_once()
    assert pagerduty.actions() == [("trigger", key), ("acknowledge", key), ("resolve", key)]


async def test_a_refused_pagerduty_event_is_said_in_the_thread(
    paging_bot: Running, sandbox: Sandbox, pagerduty: FakePagerDuty
) -> None:
    bot = paging_bot
    await bot.ask(f"escalate {LAB}/{RECOVERS} after 1s to pagerduty")
    await failed_run(bot, sandbox)
    pagerduty.fail_next(400)
    await past_the_delay(bot)
    [escalation] = escalations(bot)
    assert "PagerDuty refused the escalation: PagerDuty answered 400" in str(escalation["blocks"])
    assert pagerduty.events == [] and len(pagerduty.attempts) == 1  # no retry of a 400
