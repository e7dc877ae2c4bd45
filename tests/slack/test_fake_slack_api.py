"""The fake Slack Web API answers what slack_sdk sends, and records it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.notify import slack_client
from tests.fakes.slack_api import BOT_USER_ID, FakeSlackAPI


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


async def test_records_calls_with_body_and_auth(slack: FakeSlackAPI) -> None:
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    auth = await client.auth_test()
    assert auth["user_id"] == BOT_USER_ID
    posted = await client.chat_postMessage(channel="C1", text="hi", thread_ts="1.2")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="edited")
    assert updated["ts"] == posted["ts"]
    [call] = slack.calls("/api/chat.postMessage")
    assert call.auth == f"Bearer {slack.token}"
    assert call.body["text"] == "hi" and call.body["thread_ts"] == "1.2"
    assert [c.path for c in slack.calls()] == [
        "/api/auth.test",
        "/api/chat.postMessage",
        "/api/chat.update",
    ]


async def test_rejects_other_tokens(slack: FakeSlackAPI) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await client.chat_postMessage(channel="C1", text="hi")


async def test_rate_limit_then_success_with_the_bots_retry_handler(slack: FakeSlackAPI) -> None:
    slack.rate_limit(2, retry_after=0, path="/api/chat.postMessage")
    client = slack_client(slack.token, slack.api_url, retry_rate_limits=True)
    response = await client.chat_postMessage(channel="C1", text="hi")
    assert response["ok"]
    assert len(slack.calls("/api/chat.postMessage")) == 3


async def test_rate_limit_surfaces_without_retries(slack: FakeSlackAPI) -> None:
    slack.rate_limit(1, retry_after=7)
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["retry-after"] == "7"


async def test_response_url_hooks_and_waiting(slack: FakeSlackAPI) -> None:
    hook = AsyncWebhookClient(slack.hook_url("abc"))
    response = await hook.send(text="answer", response_type="in_channel")
    assert response.status_code == 200
    [call] = await slack.wait_for("/hooks/abc", timeout=1)
    assert call.hook_id == "abc" and call.body["response_type"] == "in_channel"
    with pytest.raises(TimeoutError, match="0 of 1 calls to /hooks/other"):
        await slack.wait_for("/hooks/other", timeout=0.05)


async def test_files_upload_v2_round_trip(slack: FakeSlackAPI) -> None:
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    response = await client.files_upload_v2(
        channel="C1", content=b"png bytes", filename="timeline.png", title="Timeline"
    )
    assert response["file"]["title"] == "Timeline"
    [upload] = [c for c in slack.calls() if c.path.startswith("/upload/")]
    assert upload.body == {"_bytes": len(b"png bytes")}
    [complete] = slack.calls("/api/files.completeUploadExternal")
    assert complete.body["channel_id"] == "C1"


async def test_conversations_info_and_ephemeral(slack: FakeSlackAPI) -> None:
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    info = await client.conversations_info(channel="C9")
    assert info["channel"]["id"] == "C9" and info["channel"]["is_member"]
    ephemeral = await client.chat_postEphemeral(channel="C9", user="U1", text="psst")
    assert ephemeral["message_ts"]
