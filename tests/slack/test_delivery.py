"""Delivery to the fake Slack: plain-text fallback, 429 retries, refusals counted not raised."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.answers import Reply
from bot.ops.metrics import Metrics
from bot.render import render
from bot.slack.delivery import post_in_thread, respond, web_client
from tests.fakes.slack_api import FakeSlackAPI

MESSAGE = render(Reply(title="Job 1", text="TD job 1 failed", sections=("details",)))


def errors(metrics: Metrics, method: str, error: str) -> float | None:
    labels = {"method": method, "error": error}
    return metrics.registry.get_sample_value("tdbot_slack_errors_total", labels)


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


async def test_respond_falls_back_to_text_when_blocks_are_refused(slack: FakeSlackAPI) -> None:
    slack.reject(1, error="invalid_blocks", path="/hooks/1")
    assert await respond(slack.hook_url("1"), MESSAGE, public=False)
    first, second = slack.calls("/hooks/1")
    assert "blocks" in first.body and "blocks" not in second.body
    assert second.body == {"text": "TD job 1 failed", "response_type": "ephemeral"}


async def test_respond_retries_a_429(slack: FakeSlackAPI) -> None:
    slack.rate_limit(1, retry_after=0, path="/hooks/2")
    assert await respond(slack.hook_url("2"), MESSAGE, public=True)
    assert len(slack.calls("/hooks/2")) == 2


async def test_respond_reports_an_expired_hook_without_raising(slack: FakeSlackAPI) -> None:
    slack.reject(5, error="expired_url", path="/hooks/3")
    metrics = Metrics()
    assert not await respond(slack.hook_url("3"), MESSAGE, public=True, metrics=metrics)
    assert errors(metrics, "response_url", "400") == 1


async def test_post_in_thread_returns_slacks_refusal(slack: FakeSlackAPI) -> None:
    slack.reject(1, error="not_in_channel", path="/api/chat.postMessage")
    client = web_client(slack.token, slack.api_url)
    metrics = Metrics()
    refused = await post_in_thread(client, "C1", "1.1", MESSAGE, metrics=metrics)
    assert refused == "not_in_channel"
    assert errors(metrics, "chat.postMessage", "not_in_channel") == 1
    assert await post_in_thread(client, "C1", "1.1", MESSAGE) is None
