"""SlackChatPoster over slack_sdk against the fake Slack Web API (loopback HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.chat import ChatError, ChatRateLimited, SlackChatPoster
from tests.alerts.chat_fakes import SlackWithHistory, marks_of

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]


@pytest.fixture
def slack() -> Iterator[SlackWithHistory]:
    with SlackWithHistory() as fake:
        yield fake


def poster(slack: SlackWithHistory) -> SlackChatPoster:
    return SlackChatPoster(AsyncWebClient(token=slack.token, base_url=slack.api_url), timeout=5)


async def test_post_carries_marks_that_find_marked_finds(slack: SlackWithHistory) -> None:
    chat = poster(slack)
    parent = await chat.post_message("C1", "fallback", BLOCKS, marks=["501"])
    reply = await chat.post_message("C1", "reply", BLOCKS, thread_ts=parent, marks=["502"])
    [call] = slack.calls("/api/chat.postMessage")[:1]
    assert call.body["text"] == "fallback" and call.body["blocks"] == BLOCKS
    assert call.body["unfurl_links"] is False
    assert [marks_of(m) for m in slack.posted("C1")] == [["501"], ["502"]]

    assert await chat.find_marked("C1", "501", thread_ts=None, oldest=LONG_AGO) == parent
    assert await chat.find_marked("C1", "502", thread_ts=parent, oldest=LONG_AGO) == reply
    assert await chat.find_marked("C1", "502", thread_ts=None, oldest=LONG_AGO) is None
    assert await chat.find_marked("C2", "501", thread_ts=None, oldest=LONG_AGO) is None


async def test_update_replaces_text_and_blocks(slack: SlackWithHistory) -> None:
    chat = poster(slack)
    ts = await chat.post_message("C1", "before", BLOCKS)
    await chat.update_message("C1", ts, "after", [])
    [message] = slack.posted("C1")
    assert message["text"] == "after" and message["blocks"] == []


async def test_429_is_rate_limited_with_retry_after(slack: SlackWithHistory) -> None:
    slack.rate_limit(1, retry_after=7, path="/api/chat.postMessage")
    chat = poster(slack)
    with pytest.raises(ChatRateLimited) as caught:
        await chat.post_message("C1", "x", BLOCKS)
    assert caught.value.retry_after == 7
    assert slack.posted() == []  # nothing was posted, and slack_sdk did not retry by itself
    assert len(slack.calls("/api/chat.postMessage")) == 1


async def test_slack_errors_are_typed(slack: SlackWithHistory) -> None:
    chat = SlackChatPoster(AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url), timeout=5)
    with pytest.raises(ChatError) as caught:
        await chat.post_message("C1", "x", BLOCKS)
    assert caught.value.error == "invalid_auth" and caught.value.permanent


async def test_unreachable_slack_is_a_transport_error() -> None:
    chat = SlackChatPoster(AsyncWebClient(token="xoxb-x", base_url="http://127.0.0.1:9/api/"))
    with pytest.raises(ChatError) as caught:
        await chat.post_message("C1", "x", BLOCKS)
    assert caught.value.error == "transport" and not caught.value.permanent
