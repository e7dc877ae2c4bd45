"""The served bot end to end: sandbox TD, fake Slack, SQLite store, admins configured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.fakes.slack_api import FakeSlackAPI
from tests.service.harness import SLACK_TOKEN, Running, running_service


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(token=SLACK_TOKEN) as fake:
        yield fake


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    """The test's own view of TD (not the bot's client)."""
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as client:
        yield client


@pytest.fixture
async def bot(sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path) -> AsyncIterator[Running]:
    async with running_service(sandbox, slack, tmp_path) as running:
        yield running
