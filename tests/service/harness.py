"""The whole bot as ``tdbot serve`` builds it, on loopback: TD = a sandbox, Slack = the fake.

``running_service`` opens ``bot.service.open_service`` (a SQLite store in a
temp dir, TDBOT_ADMINS set) and serves its ASGI app with uvicorn; the alert
loop is not started unless asked, so tests poll when they choose.
``Running`` sends signed requests exactly as Slack would.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.ops.metrics import Metrics
from bot.sandbox import Sandbox
from bot.service import Service, open_service
from bot.settings import Settings, load_settings
from bot.td import TDClient
from tests.fakes import slack_requests
from tests.fakes.serve import serve_in_loop
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, Call, FakeSlackAPI
from tests.slack.harness import SIGNING_SECRET, TEST_RETRY, TEST_TIMEOUT

ADMIN = "UADMIN0001"
OTHER_ADMIN = "UADMIN0002"
USER = "U0USER0001"  # not an admin
CHANNEL = "C0CHAN0001"
SLACK_TOKEN = "xoxb-4711-0815-Zm9vYmFyc2VjcmV0dG9rZW4"
PAGERDUTY_KEY = "R0UTINGKEY0123456789abcdef012345"
ACTING_IDS = ("tdbot.retry_failed", "tdbot.kill")
_numbers = itertools.count(1)


# Generous by default: the rate limit has tests of its own.
GENEROUS_RATE = (600.0, 100)


def service_env(
    sandbox: Sandbox,
    slack: FakeSlackAPI,
    tmp_path: Path,
    *,
    poll_seconds: float = 3600,
    rate: tuple[float, int] = GENEROUS_RATE,
    database_url: str | None = None,
) -> dict[str, str]:
    """The environment of ``tdbot serve`` against the sandbox and the fake Slack."""
    endpoints = sandbox.endpoints()
    return {
        "TD_API_KEY": sandbox.api_key,
        "TD_API_SERVER": endpoints.api,
        "TD_WORKFLOW_SERVER": endpoints.workflow,
        "TD_CONSOLE_URL": endpoints.console,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "TDBOT_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'tdbot.db'}",
        "TDBOT_POLL_SECONDS": str(poll_seconds),
        "TDBOT_RATE_PER_MINUTE": str(rate[0]),
        "TDBOT_RATE_BURST": str(rate[1]),
        "TDBOT_ADMINS": f"{ADMIN},{OTHER_ADMIN}",
    }


def service_settings(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, **options: Any
) -> Settings:
    """Settings from ``service_env`` (``options`` are its keyword arguments)."""
    return load_settings(service_env(sandbox, slack, tmp_path, **options), http_mode=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def click_body(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user: str,
    channel: str = CHANNEL,
    message_ts: str = "1700000000.000001",
    thread_ts: str | None = None,
    ephemeral: bool = False,
) -> bytes:
    """A ``block_actions`` click as Slack sends it (an ephemeral message has no ``message``)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0FAKE0001",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"{next(_numbers)}.fake.trigger",
        "channel": {"id": channel, "name": "data-ops"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000000",
            }
        ],
    }
    if not ephemeral:
        message = {"type": "message", "ts": message_ts, "text": "tdbot", "user": BOT_USER_ID}
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        payload["message"] = message
    return urlencode({"payload": json.dumps(payload)}).encode()


def buttons(call: Call) -> list[dict[str, Any]]:
    return [
        element
        for block in call.body.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
        if "url" not in element
    ]


def texts(call: Call) -> str:
    """The fallback text and every text in the blocks, joined."""
    found: list[str] = [call.body.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.body.get("blocks", []))
    return "\n".join(found)


@dataclass
class Running:
    url: str
    service: Service
    slack: FakeSlackAPI
    http: httpx.AsyncClient

    async def post(
        self, body: bytes, content_type: str, *, retry: int | None = None
    ) -> httpx.Response:
        """Send ``body`` signed; ``retry`` marks it as Slack's redelivery number ``retry``."""
        headers = slack_requests.signed_headers(SIGNING_SECRET, body, content_type)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        response = await self.http.post(f"{self.url}/slack/events", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response

    async def slash(self, text: str, *, user: str = USER, channel: str = CHANNEL) -> str:
        """Send ``/td text``; the path of its response_url."""
        hook = f"/hooks/slash-{next(_numbers)}"
        body = slack_requests.slash_command(
            text, self.slack.base_url + hook, user=user, channel=channel
        )
        await self.post(body, slack_requests.FORM)
        return hook

    async def ask(self, text: str, *, user: str = USER, timeout: float = 15.0) -> Call:
        """``/td text``: the answer that came through response_url."""
        hook = await self.slash(text, user=user)
        [answer] = await self.slack.wait_for(hook, timeout=timeout)
        return answer

    async def mention(self, text: str, *, thread_ts: str, user: str = USER) -> None:
        body = slack_requests.app_mention(text, user=user, channel=CHANNEL, thread_ts=thread_ts)
        await self.post(body, slack_requests.JSON)

    async def click(self, button: dict[str, Any], *, user: str, **where: Any) -> str:
        """Press ``button`` (a Block Kit element); the path of the click's response_url."""
        hook = f"/hooks/click-{next(_numbers)}"
        body = click_body(
            button["action_id"],
            button["value"],
            response_url=self.slack.base_url + hook,
            user=user,
            **where,
        )
        await self.post(body, slack_requests.FORM)
        return hook

    async def metrics(self) -> str:
        return (await self.http.get(f"{self.url}/metrics")).text


@contextlib.asynccontextmanager
async def running_service(
    sandbox: Sandbox,
    slack: FakeSlackAPI,
    tmp_path: Path,
    *,
    poll_seconds: float = 3600,
    poll_grace: float = 60.0,
    rate: tuple[float, int] = GENEROUS_RATE,
    database_url: str | None = None,
    pagerduty_url: str | None = None,
) -> AsyncIterator[Running]:
    """``database_url`` (default: a SQLite file in ``tmp_path``) lets replicas share a store;
    ``pagerduty_url``: escalations go there with ``PAGERDUTY_KEY``."""
    settings = service_settings(
        sandbox, slack, tmp_path, poll_seconds=poll_seconds, rate=rate, database_url=database_url
    )
    if pagerduty_url is not None:
        settings = replace(
            settings, pagerduty_routing_key=PAGERDUTY_KEY, pagerduty_url=pagerduty_url
        )
    metrics = Metrics()
    td = TDClient(
        settings.td_api_key,
        settings.td,
        retry=TEST_RETRY,
        timeout=TEST_TIMEOUT,
        on_response=metrics.observe_td,
    )
    async with (
        open_service(
            settings, metrics=metrics, td=td, poll_grace=poll_grace, report_clock=sandbox.clock.now
        ) as service,
        serve_in_loop(service.bot.asgi) as url,
        httpx.AsyncClient(timeout=30) as http,
    ):
        yield Running(url, service, slack, http)
