"""Socket Mode end to end: the same listeners behind a WebSocket instead of HTTP."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from bot.sandbox import Sandbox
from bot.settings import load_settings
from bot.slack import build_bot, run_socket_mode
from bot.td import TDClient
from bot.td.models import JobStatus
from tests.fakes import slack_requests
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.socket_mode import FakeSocketMode
from tests.slack.harness import TEST_RETRY


async def test_slash_command_over_socket_mode(sandbox: Sandbox) -> None:
    with FakeSlackAPI() as slack, FakeSocketMode() as socket:
        slack.socket_url = socket.url
        endpoints = sandbox.endpoints()
        settings = load_settings(
            {
                "TD_API_KEY": sandbox.api_key,
                "TD_API_SERVER": endpoints.api,
                "TD_WORKFLOW_SERVER": endpoints.workflow,
                "TD_CONSOLE_URL": endpoints.console,
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_APP_TOKEN": slack.app_token,
                "SLACK_API_URL": slack.api_url,
            }
        )
        assert settings.socket_mode
        td = TDClient(sandbox.api_key, endpoints, retry=TEST_RETRY)
        [job] = await td.jobs(status=JobStatus.ERROR, limit=1)
        bot = build_bot(settings, td=td)
        assert "/slack/events" not in [getattr(r, "path", "") for r in bot.asgi.routes]
        running = asyncio.create_task(run_socket_mode(bot, slack.app_token))
        try:
            form = slash_command_payload(f"job {job.job_id}", slack.hook_url("socket"))
            await socket.send(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": form,
                }
            )
            ack = await socket.ack_for("env-1")
            assert ack["payload"]["text"] == f"Working on `/td job {job.job_id}` …"
            [answer] = await slack.wait_for("/hooks/socket", timeout=10)
            assert answer.body["text"].startswith(f"TD job {job.job_id} ")
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        [opened] = slack.calls("/api/apps.connections.open")
        assert opened.auth == f"Bearer {slack.app_token}"


def slash_command_payload(text: str, response_url: str) -> dict[str, str]:
    return dict(parse_qsl(slack_requests.slash_command(text, response_url).decode()))
