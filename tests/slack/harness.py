"""The bot in HTTP mode on loopback, TD = a sandbox (or any endpoints), Slack = the fake.

``BotUnderTest`` sends correctly signed requests exactly as Slack would and
waits for the answers the bot posts to the fake Slack.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from bot.settings import Settings, load_settings
from bot.slack import Bot, build_bot
from bot.slack.deps import ThreadLookup
from bot.slack.home import HomeSource
from bot.td import Endpoints, RetryPolicy, TDClient
from tests.fakes import slack_requests
from tests.fakes.serve import serve_in_loop
from tests.fakes.slack_api import Call, FakeSlackAPI

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# Fast retries: a test of "TD is down" should take a second, not the production 30 s.
TEST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05, max_total=1.0)
TEST_TIMEOUT = httpx.Timeout(10, connect=2)
_hooks = itertools.count(1)


def bot_settings(api_key: str, endpoints: Endpoints, slack_api_url: str, token: str) -> Settings:
    return load_settings(
        {
            "TD_API_KEY": api_key,
            "TD_API_SERVER": endpoints.api,
            "TD_WORKFLOW_SERVER": endpoints.workflow,
            "TD_CONSOLE_URL": endpoints.console,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api_url,
        },
        http_mode=True,
    )


@dataclass
class BotUnderTest:
    url: str
    bot: Bot
    slack: FakeSlackAPI
    http: httpx.AsyncClient

    async def post(
        self, body: bytes, content_type: str, *, timestamp: int | None = None, secret: str = ""
    ) -> httpx.Response:
        headers = slack_requests.signed_headers(
            secret or SIGNING_SECRET, body, content_type, timestamp=timestamp
        )
        return await self.http.post(f"{self.url}/slack/events", content=body, headers=headers)

    async def slash(self, text: str, **kwargs: str) -> tuple[httpx.Response, str]:
        """Send ``/td text``; returns the ack response and the response_url path."""
        hook = f"/hooks/{next(_hooks)}"
        body = slack_requests.slash_command(text, self.slack.base_url + hook, **kwargs)
        return await self.post(body, slack_requests.FORM), hook

    async def ask(self, text: str, timeout: float = 10.0) -> Call:
        """``/td text`` answered through response_url: the answer the fake received."""
        response, hook = await self.slash(text)
        assert response.status_code == 200, response.text
        [answer] = await self.slack.wait_for(hook, timeout=timeout)
        return answer

    async def mention(self, text: str, **kwargs: str) -> httpx.Response:
        return await self.post(slack_requests.app_mention(text, **kwargs), slack_requests.JSON)

    async def open_home(self, user: str, *, tab: str = "home") -> httpx.Response:
        return await self.post(slack_requests.app_home_opened(user, tab=tab), slack_requests.JSON)


@contextlib.asynccontextmanager
async def running_bot(
    api_key: str,
    endpoints: Endpoints,
    slack: FakeSlackAPI,
    *,
    td_timeout: httpx.Timeout = TEST_TIMEOUT,
    thread_attempts: ThreadLookup | None = None,
    home: HomeSource | None = None,
) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings(api_key, endpoints, slack.api_url, slack.token)
    td = TDClient(api_key, endpoints, retry=TEST_RETRY, timeout=td_timeout)
    bot = build_bot(settings, td=td, thread_attempts=thread_attempts, home=home)
    async with serve_in_loop(bot.asgi) as url, httpx.AsyncClient(timeout=30) as http:
        yield BotUnderTest(url, bot, slack, http)
