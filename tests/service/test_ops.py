"""Operations of the served bot: /metrics counts what happened, /healthz watches the alert loop,
and each user is held to a rate of expensive commands."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox import Sandbox
from tests.fakes.slack_api import FakeSlackAPI
from tests.service.harness import ADMIN, USER, Running, running_service, texts

MISSING_JOB = "987654321987"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, keyed by name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def delta(
    before: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    after: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    name: str,
    **labels: str,
) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def total(page: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(value for (found, _), value in page.items() if found == name)


async def test_metrics_count_commands_clicks_polls_and_td_requests(
    bot: Running, sandbox: Sandbox
) -> None:
    before = samples(await bot.metrics())
    sandbox.requests.clear()

    await bot.ask("jobs 5")
    await bot.ask(f"job {MISSING_JOB}")
    await bot.ask("subscribe *")
    hook = await bot.click(
        {"action_id": "tdbot.retry_failed", "value": json.dumps({"attempt_id": "123"})}, user=USER
    )
    await bot.slack.wait_for(hook, timeout=15)
    await bot.service.poller.poll_once()
    await bot.service.poller.poll_once()
    await bot.service.bot.tasks.drain(grace=5)

    after = samples(await bot.metrics())
    commands = "tdbot_commands_total"
    assert delta(before, after, commands, command="jobs", outcome="ok") == 1
    assert delta(before, after, commands, command="job", outcome="not_found") == 1
    assert delta(before, after, commands, command="subscribe", outcome="ok") == 1
    assert delta(before, after, commands, command="retry_button", outcome="refused") == 1
    assert total(after, commands) - total(before, commands) == 4
    assert delta(before, after, "tdbot_polls_total", outcome="ok") == 2
    # Every TD request the bot made is counted once, and nobody else asked the sandbox.
    td_requests = total(after, "tdbot_td_requests_total") - total(before, "tdbot_td_requests_total")
    assert td_requests == len(sandbox.requests.records) > 0
    lag = after[("tdbot_poll_lag_seconds", ())]
    assert math.isfinite(lag) and 0 <= lag < 10


async def wait_until(check: Callable[[], Awaitable[bool]], *, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def test_healthz_reports_the_poll_age_and_is_degraded_while_polls_fail(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path
) -> None:
    async with running_service(sandbox, slack, tmp_path, poll_seconds=0.2, poll_grace=0.0) as bot:
        health: dict[str, Any] = {}

        async def status_is(status: str) -> bool:
            response = await bot.http.get(f"{bot.url}/healthz")
            assert response.status_code == 200  # liveness: a failing poll is no reason to restart
            health.update(response.json())
            alerts = response.json().get("checks", {}).get("alerts", {})
            return health["status"] == status and alerts.get("last_poll_age_seconds") is not None

        bot.service.start()
        await wait_until(lambda: status_is("ok"))
        alerts = health["checks"]["alerts"]
        assert alerts["ok"] is True and alerts["max_age_seconds"] == 0.6
        assert 0 <= alerts["last_poll_age_seconds"] <= 0.6

        sandbox.faults.fail(1_000_000, status=500, path_prefix="/api/attempts")
        await wait_until(lambda: status_is("degraded"))
        alerts = health["checks"]["alerts"]
        assert alerts["ok"] is False and alerts["last_poll_failed"] is True
        assert alerts["last_poll_age_seconds"] >= 0.6  # rounded to 0.1 s
        assert health["checks"]["td"]["ok"] is True  # TD answers; only the poll feed fails
        page = samples(await bot.metrics())
        assert page[("tdbot_polls_total", (("outcome", "td_error"),))] >= 1
        assert page[("tdbot_poll_lag_seconds", ())] >= 0.6
        ready = await bot.http.get(f"{bot.url}/readyz")
        assert ready.status_code == 200  # the store answers, so users still get answers

        sandbox.faults.clear()
        await wait_until(lambda: status_is("ok"))
        assert health["checks"]["alerts"]["last_poll_failed"] is False


async def test_expensive_commands_are_rate_limited_per_user(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path
) -> None:
    async with running_service(sandbox, slack, tmp_path, rate=(1, 2)) as bot:
        first, second = [await bot.ask("jobs 1") for _ in range(2)]
        assert "Newest" in texts(first) and "Newest" in texts(second)
        before = len(sandbox.requests.records)
        limited = await bot.ask("jobs 1")
        assert limited.body["response_type"] == "ephemeral"
        assert "faster than tdbot can serve them; try again in" in texts(limited)
        cheap = await bot.ask("subscriptions")  # not expensive: never held back
        assert "This channel's subscriptions" in texts(cheap)
        other = await bot.ask("jobs 1", user=ADMIN)  # another user has a bucket of their own
        assert "Newest" in texts(other)
        assert len(sandbox.requests.records) > before

        # An admin's own bucket empties too; the button then tells them and sends nothing.
        await bot.ask("jobs 1", user=ADMIN)
        before = len(sandbox.requests.records)
        value = json.dumps({"attempt_id": sandbox.case_attempt_id("presto_cluster_out_of_memory")})
        hook = await bot.click({"action_id": "tdbot.retry_failed", "value": value}, user=ADMIN)
        [answer] = await bot.slack.wait_for(hook, timeout=15)
        assert "try again in" in texts(answer)
        assert len(sandbox.requests.records) == before
        page = samples(await bot.metrics())
        limited_key = ("tdbot_commands_total", (("command", "jobs"), ("outcome", "rate_limited")))
        assert page[limited_key] == 1
