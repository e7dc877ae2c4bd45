"""Socket Mode in the served bot: the connection answers, /healthz and /metrics stay on the port."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.service import open_service
from bot.settings import load_settings
from bot.slack import run_socket_mode
from tests.fakes import slack_requests
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.socket_mode import FakeSocketMode
from tests.service.harness import free_port, service_env


async def test_socket_mode_answers_and_serves_health_and_metrics_then_stops(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path
) -> None:
    with FakeSocketMode() as socket:
        slack.socket_url = socket.url
        env = service_env(sandbox, slack, tmp_path, poll_seconds=3600)
        settings = load_settings({**env, "SLACK_APP_TOKEN": slack.app_token})
        assert settings.socket_mode
        port = free_port()
        stop = asyncio.Event()
        async with open_service(settings) as service, httpx.AsyncClient(timeout=10) as http:
            service.start()
            running = asyncio.create_task(
                run_socket_mode(
                    service.bot, slack.app_token, host="127.0.0.1", port=port, stop=stop
                )
            )
            base = f"http://127.0.0.1:{port}"
            async with asyncio.timeout(20):
                while True:
                    try:
                        health = await http.get(f"{base}/healthz")
                        if health.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.05)
            assert set(health.json()["checks"]) == {"td", "alerts", "store"}
            assert (await http.get(f"{base}/readyz")).status_code == 200
            assert (await http.post(f"{base}/slack/events")).status_code == 404  # no HTTP input

            form = dict(
                parse_qsl(
                    slack_requests.slash_command("subscriptions", slack.hook_url("s")).decode()
                )
            )
            await socket.send(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "payload": form,
                    "accepts_response_payload": True,
                }
            )
            [answer] = await slack.wait_for("/hooks/s", timeout=10)
            assert answer.body["text"] == "0 subscription(s), 0 mute(s)"
            assert "tdbot_polls_total" in (await http.get(f"{base}/metrics")).text

            stop.set()
            await asyncio.wait_for(running, 20)
            with pytest.raises(httpx.TransportError):
                await http.get(f"{base}/healthz")  # the ops server is gone too
            with pytest.raises(RuntimeError):
                await service.td.server_status()  # and the bot shut down: TD is closed
