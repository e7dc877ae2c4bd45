"""A report service over the sandbox (HTTP) and a fresh SQLite store, on the sandbox clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.reports import ReportService
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as client:
        yield client


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


@pytest.fixture
def reports(sandbox: Sandbox, td: TDClient, store: Store) -> ReportService:
    return ReportService(td, store, timezone="UTC", clock=sandbox.clock.now)
