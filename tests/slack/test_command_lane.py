"""HTTP mode takes ``/td`` past Bolt's dispatch (``CommandLane``); everything else is Bolt's.

The lane must ack exactly as Bolt's listener does (Socket Mode goes through Bolt),
refuse what Bolt refuses, and leave Slack's other requests to Bolt.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from urllib.parse import urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.sandbox import Sandbox
from tests.fakes import slack_requests
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import SIGNING_SECRET, BotUnderTest, running_bot


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
async def bot(sandbox: Sandbox, slack: FakeSlackAPI) -> AsyncIterator[BotUnderTest]:
    async with running_bot(sandbox.api_key, sandbox.endpoints(), slack) as running:
        yield running


async def through_bolt(bot: BotUnderTest, body: bytes) -> dict[str, object]:
    """The ack Bolt's own ``/td`` listener gives the same signed request."""
    signed = slack_requests.signed_headers(SIGNING_SECRET, body, slack_requests.FORM)
    headers: dict[str, str | Sequence[str]] = dict(signed)
    request = AsyncBoltRequest(body=body.decode(), headers=headers)
    response = await bot.bot.app.async_dispatch(request)
    assert response.status == 200, response.body
    parsed: dict[str, object] = json.loads(response.body)
    return parsed


@pytest.mark.parametrize("text", ["help", "jbo 12", "", "sla nosuch/flow within 5x"])
async def test_the_lane_acks_as_bolts_listener_does(bot: BotUnderTest, text: str) -> None:
    body = slash_command_body(text, bot.slack.hook_url("lane"))
    response = await bot.post(body, slack_requests.FORM)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    lane = response.json()
    assert lane == await through_bolt(bot, body)
    assert lane["text"] and lane["response_type"] == "ephemeral"


async def test_a_command_that_needs_td_is_acked_and_answered_once(bot: BotUnderTest) -> None:
    response, hook = await bot.slash("jobs 3")
    assert response.json() == {
        "text": "Working on `/td jobs 3` …",
        "response_type": "ephemeral",
    }
    [answer] = await bot.slack.wait_for(hook, timeout=10)
    assert answer.body["response_type"] == "in_channel"


async def test_bad_and_stale_signatures_are_refused_before_anything_runs(
    bot: BotUnderTest,
) -> None:
    body = slash_command_body("jobs 3", bot.slack.hook_url("refused"))
    forged = await bot.post(body, slack_requests.FORM, secret="not-the-signing-secret")
    stale = await bot.post(body, slack_requests.FORM, timestamp=int(time.time()) - 301)
    unsigned = await bot.http.post(
        f"{bot.url}/slack/events", content=body, headers={"Content-Type": slack_requests.FORM}
    )
    assert [r.status_code for r in (forged, stale, unsigned)] == [401, 401, 401]
    await bot.bot.tasks.drain(grace=1)
    assert len(bot.bot.tasks) == 0
    assert bot.slack.calls("/hooks/refused") == []


async def test_slacks_ssl_check_is_left_to_bolt(bot: BotUnderTest) -> None:
    # Slack probes a slash command's URL with this form (no command text, nothing to run).
    body = urlencode({"ssl_check": "1", "token": "deprecated-verification-token"}).encode()
    response = await bot.post(body, slack_requests.FORM)
    assert response.status_code == 200
    assert [c.path for c in bot.slack.calls() if c.path != "/api/auth.test"] == []


async def test_another_command_is_left_to_bolt(bot: BotUnderTest) -> None:
    body = slash_command_body("help", bot.slack.hook_url("other")).replace(
        b"command=%2Ftd", b"command=%2Fother"
    )
    response = await bot.post(body, slack_requests.FORM)
    assert response.status_code == 404  # Bolt: no listener for /other


def slash_command_body(text: str, response_url: str) -> bytes:
    return slack_requests.slash_command(text, response_url)
