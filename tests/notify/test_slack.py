"""SlackNotifier over slack_sdk against the fake Slack Web API (loopback HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.message import Message
from bot.notify import NotifyError, NotifyRateLimited, SlackNotifier, slack_client
from bot.ops.metrics import Metrics
from bot.render import render_slack
from tests.alerts.chat_fakes import SlackWithHistory, marks_of

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
MESSAGE = Message(title="Job 1", text="TD job 1 failed", sections=("details",))


def errors(metrics: Metrics, method: str, error: str) -> float | None:
    labels = {"method": method, "error": error}
    return metrics.registry.get_sample_value("tdbot_slack_errors_total", labels)


@pytest.fixture
def slack() -> Iterator[SlackWithHistory]:
    with SlackWithHistory() as fake:
        yield fake


def notifier(
    slack: SlackWithHistory, *, token: str | None = None, metrics: Metrics | None = None
) -> SlackNotifier:
    client = slack_client(token or slack.token, slack.api_url, retry_rate_limits=False)
    return SlackNotifier(client, metrics=metrics, deadline=5)


async def test_post_carries_marks_that_find_marked_finds(slack: SlackWithHistory) -> None:
    chat = notifier(slack)
    parent = await chat.post("C1", MESSAGE, marks=["501"])
    reply = await chat.post("C1", MESSAGE, thread=parent, marks=["502"])
    [call] = slack.calls("/api/chat.postMessage")[:1]
    rendered = render_slack(MESSAGE)
    assert call.body["text"] == rendered.text and call.body["blocks"] == rendered.blocks
    assert call.body["unfurl_links"] is False
    assert [marks_of(m) for m in slack.posted("C1")] == [["501"], ["502"]]

    assert await chat.find_marked("C1", "501", thread=None, oldest=LONG_AGO) == parent
    assert await chat.find_marked("C1", "502", thread=parent, oldest=LONG_AGO) == reply
    assert await chat.find_marked("C1", "502", thread=None, oldest=LONG_AGO) is None
    assert await chat.find_marked("C2", "501", thread=None, oldest=LONG_AGO) is None


async def test_update_replaces_text_and_blocks(slack: SlackWithHistory) -> None:
    chat = notifier(slack)
    ts = await chat.post("C1", MESSAGE)
    after = Message(title="Job 1 recovered", text="after")
    await chat.update("C1", ts, after)
    [message] = slack.posted("C1")
    assert message["text"] == "after" and message["blocks"] == render_slack(after).blocks


async def test_refused_blocks_are_sent_again_as_text(slack: SlackWithHistory) -> None:
    slack.reject(1, error="invalid_blocks", path="/api/chat.postMessage")
    ts = await notifier(slack).post("C1", MESSAGE, marks=["7"])
    first, second = slack.calls("/api/chat.postMessage")
    assert "blocks" in first.body and "blocks" not in second.body
    [posted] = slack.posted("C1")
    assert posted["ts"] == ts and posted["text"] == "TD job 1 failed"
    assert marks_of(posted) == ["7"]  # the plain-text post is findable too


async def test_429_is_rate_limited_with_retry_after(slack: SlackWithHistory) -> None:
    slack.rate_limit(1, retry_after=7, path="/api/chat.postMessage")
    metrics = Metrics()
    with pytest.raises(NotifyRateLimited) as caught:
        await notifier(slack, metrics=metrics).post("C1", MESSAGE)
    assert caught.value.retry_after == 7
    assert slack.posted() == []  # nothing was posted, and slack_sdk did not retry by itself
    assert len(slack.calls("/api/chat.postMessage")) == 1
    labels = {"method": "chat.postMessage"}
    assert metrics.registry.get_sample_value("tdbot_slack_rate_limited_total", labels) == 1


async def test_slack_errors_are_typed_and_counted(slack: SlackWithHistory) -> None:
    metrics = Metrics()
    with pytest.raises(NotifyError) as caught:
        await notifier(slack, token="xoxb-wrong", metrics=metrics).post("C1", MESSAGE)
    assert caught.value.error == "invalid_auth" and caught.value.permanent
    assert errors(metrics, "chat.postMessage", "invalid_auth") == 1


async def test_unreachable_slack_is_a_transport_error() -> None:
    client = slack_client("xoxb-x", "http://127.0.0.1:9/api/", retry_rate_limits=False)
    with pytest.raises(NotifyError) as caught:
        await SlackNotifier(client, deadline=5).post("C1", MESSAGE)
    assert caught.value.error == "transport" and not caught.value.permanent


async def test_respond_falls_back_to_text_when_blocks_are_refused(
    slack: SlackWithHistory,
) -> None:
    slack.reject(1, error="invalid_blocks", path="/hooks/1")
    assert await notifier(slack).respond(slack.hook_url("1"), MESSAGE, public=False)
    first, second = slack.calls("/hooks/1")
    assert "blocks" in first.body and "blocks" not in second.body
    assert second.body == {"text": "TD job 1 failed", "response_type": "ephemeral"}


async def test_respond_retries_a_429(slack: SlackWithHistory) -> None:
    slack.rate_limit(1, retry_after=0, path="/hooks/2")
    assert await notifier(slack).respond(slack.hook_url("2"), MESSAGE, public=True)
    assert len(slack.calls("/hooks/2")) == 2


async def test_respond_reports_an_expired_hook_without_raising(slack: SlackWithHistory) -> None:
    slack.reject(5, error="expired_url", path="/hooks/3")
    metrics = Metrics()
    chat = notifier(slack, metrics=metrics)
    assert not await chat.respond(slack.hook_url("3"), MESSAGE, public=True)
    assert errors(metrics, "response_url", "400") == 1


async def test_a_refused_thread_reply_raises_the_slack_error(slack: SlackWithHistory) -> None:
    slack.reject(1, error="not_in_channel", path="/api/chat.postMessage")
    metrics = Metrics()
    chat = notifier(slack, metrics=metrics)
    with pytest.raises(NotifyError) as caught:
        await chat.post("C1", MESSAGE, thread="1.1")
    assert caught.value.error == "not_in_channel" and caught.value.permanent
    assert errors(metrics, "chat.postMessage", "not_in_channel") == 1
    assert await chat.post("C1", MESSAGE, thread="1.1")


async def test_member_channels_reads_every_page_of_users_conversations(
    slack: SlackWithHistory,
) -> None:
    slack.join("U0LEAD001", *(f"C{i:06d}" for i in range(1500)))
    channels = await notifier(slack).member_channels("U0LEAD001")
    assert len(channels) == 1500 and "C001499" in channels
    first, second = slack.calls("/api/users.conversations")
    assert first.body["types"] == "public_channel,private_channel"
    assert first.body["user"] == "U0LEAD001" and second.body["cursor"] == "999"
    assert await notifier(slack).member_channels("U0NOBODY1") == frozenset()


async def test_publish_home_and_its_errors(slack: SlackWithHistory) -> None:
    chat = notifier(slack)
    await chat.publish_home("U0LEAD001", MESSAGE)
    [call] = slack.calls("/api/views.publish")
    assert call.body["user_id"] == "U0LEAD001" and call.body["view"]["type"] == "home"
    slack.reject(1, error="not_enabled", path="/api/views.publish")
    with pytest.raises(NotifyError) as failed:
        await chat.publish_home("U0LEAD001", MESSAGE)
    assert failed.value.error == "not_enabled"


async def test_the_workspace_url_is_asked_once(slack: SlackWithHistory) -> None:
    chat = notifier(slack)
    assert await chat.workspace_url() == "https://fake.slack.com/"
    assert await chat.workspace_url() == "https://fake.slack.com/"
    assert len(slack.calls("/api/auth.test")) == 1
