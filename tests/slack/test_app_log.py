"""What starting the Slack app writes to the log."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox import Sandbox
from bot.settings import load_settings
from bot.slack import build_bot
from bot.td import TDClient
from tests.slack.harness import TEST_RETRY


async def test_a_start_logs_no_warning_about_the_token_bolt_reads_itself(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt reads SLACK_BOT_TOKEN from the environment as well as taking our client."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    endpoints = sandbox.endpoints()
    settings = load_settings(
        {
            "TD_API_KEY": sandbox.api_key,
            "TD_API_SERVER": endpoints.api,
            "TD_WORKFLOW_SERVER": endpoints.workflow,
            "SLACK_BOT_TOKEN": "xoxb-from-the-environment",
            "SLACK_SIGNING_SECRET": "a-signing-secret",
        },
        http_mode=True,
    )
    td = TDClient(sandbox.api_key, endpoints, retry=TEST_RETRY)
    try:
        with caplog.at_level(logging.INFO, logger="bot.slack.bolt"):
            build_bot(settings, td=td)
    finally:
        await td.aclose()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
