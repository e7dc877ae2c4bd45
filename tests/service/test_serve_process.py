"""``python -m bot serve --http`` as an operator runs it: a real process, real signals.

It serves Slack requests against the sandbox and the fake Slack, polls, acts,
logs JSON at DEBUG without a single secret in it, and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox import Sandbox
from tests.fakes import slack_requests
from tests.fakes.slack_api import FakeSlackAPI
from tests.service.harness import ADMIN, click_body, free_port, service_env, texts
from tests.slack.harness import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
FAILED_CASE = "presto_cluster_out_of_memory"


class Served:
    """The bot process and a signed-request client for it."""

    def __init__(self, port: int, slack: FakeSlackAPI) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.slack = slack
        self.http = httpx.Client(timeout=10)

    def post(self, body: bytes, content_type: str) -> None:
        headers = slack_requests.signed_headers(SIGNING_SECRET, body, content_type)
        response = self.http.post(f"{self.base}/slack/events", content=body, headers=headers)
        assert response.status_code == 200, response.text

    def ask(self, text: str, hook: str, *, user: str = ADMIN) -> dict[str, Any]:
        body = slack_requests.slash_command(text, self.slack.hook_url(hook), user=user)
        self.post(body, slack_requests.FORM)
        [answer] = self.slack.wait_for_sync(f"/hooks/{hook}", timeout=20)
        return answer.body

    def polls_ok(self) -> float:
        found = re.search(
            r'^tdbot_polls_total\{outcome="ok"\} ([0-9.e+]+)$',
            self.http.get(f"{self.base}/metrics").text,
            re.MULTILINE,
        )
        return float(found[1]) if found else 0.0

    def wait_ready(self, process: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
        """Wait for /readyz to answer 200, then give /healthz's JSON."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert process.poll() is None, "tdbot serve exited during start-up"
            try:
                if self.http.get(f"{self.base}/readyz").status_code == 200:
                    found: dict[str, Any] = self.http.get(f"{self.base}/healthz").json()
                    return found
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("tdbot serve did not become ready")


def test_serve_answers_acts_polls_logs_no_secret_and_stops_on_sigterm(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    with FakeSlackAPI(token="xoxb-2024-0601-c2VjcmV0LWJvdC10b2tlbg") as slack:
        port = free_port()
        env = {**os.environ, **service_env(sandbox, slack, tmp_path, poll_seconds=0.5)}
        command = [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)]
        # Files, not pipes: DEBUG logs would fill a pipe nobody reads until the end.
        logs, output = tmp_path / "stderr.log", tmp_path / "stdout.log"
        with logs.open("w") as stderr, output.open("w") as stdout:
            process = subprocess.Popen(
                [*command, "--log-level", "debug"],
                cwd=ROOT,
                env=env,
                stdout=stdout,
                stderr=stderr,
                text=True,
            )
        served = Served(port, slack)
        try:
            health = served.wait_ready(process)
            assert set(health["checks"]) == {"td", "alerts", "store"}

            failed = sandbox.case_attempt_id(FAILED_CASE)
            assert "Subscribed" in served.ask("subscribe *", "subscribe")["text"]
            confirm = served.ask(f"retry {failed}", "retry")
            [button] = [
                e
                for b in confirm["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
                if e["action_id"] == "tdbot.retry_failed"
            ]
            served.post(
                click_body(
                    button["action_id"],
                    button["value"],
                    response_url=slack.hook_url("click"),
                    user=ADMIN,
                    ephemeral=True,
                ),
                slack_requests.FORM,
            )
            [done] = slack.wait_for_sync("/hooks/click", timeout=20)
            assert "Retrying the failed tasks" in texts(done)
            body = slack_requests.app_mention(f"timeline {failed}", thread_ts="1700000500.000001")
            served.post(body, slack_requests.JSON)
            slack.wait_for_sync("/api/files.completeUploadExternal", timeout=30)
            deadline = time.monotonic() + 20
            # At least two: a fast loop may well have polled more by the time it is read.
            while served.polls_ok() < 2:
                assert time.monotonic() < deadline, "the alert loop did not poll twice"
                time.sleep(0.1)
        finally:
            served.http.close()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    err, out = logs.read_text(), output.read_text()

    assert process.returncode == 0, err[-3000:]
    assert sandbox.requests.count("/api/attempts", method="PUT") == 1
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    messages = [r["message"] for r in records]
    assert any(m.startswith("tdbot serving in HTTP mode") for m in messages)
    assert any(m.startswith("answered retry for") for m in messages)
    assert "debug" in {r["level"] for r in records}
    assert "tdbot stopped" in messages
    secrets = {
        "TD API key": sandbox.api_key,
        "TD API key without its account": sandbox.api_key.rpartition("/")[2],
        "Slack bot token": slack.token,
        "signing secret": SIGNING_SECRET,
    }
    for name, secret in secrets.items():
        assert secret not in err and secret not in out, f"the {name} is in the logs"
