"""Every store test runs on SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from tests.store.helpers import T0
from tests.support.postgres import PostgresServer
from tests.support.postgres import postgres_server as postgres_server


@pytest.fixture(scope="module")
def module_database(postgres_server: PostgresServer) -> str:
    """One PostgreSQL database per test module, emptied before each test."""
    return postgres_server.create_database()


@pytest.fixture
def pg_url(postgres_server: PostgresServer, module_database: str) -> str:
    """The URL of an empty PostgreSQL database."""
    postgres_server.reset_database(module_database)
    return module_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a fresh SQLite file, or an emptied PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    async with await Store.open(store_url, clock=lambda: T0) as opened:
        yield opened
