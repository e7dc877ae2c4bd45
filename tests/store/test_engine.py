"""Database URLs and connection settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import async_url
from bot.store.engine import create_engine


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///state.db", "sqlite+aiosqlite:///state.db"),
        ("sqlite:////var/lib/tdbot/state.db", "sqlite+aiosqlite:////var/lib/tdbot/state.db"),
        ("sqlite+aiosqlite:///state.db", "sqlite+aiosqlite:///state.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://bot@db:5432/tdbot", "postgresql+psycopg://bot@db:5432/tdbot"),
        ("postgres://bot@db/tdbot", "postgresql+psycopg://bot@db/tdbot"),
        ("postgresql+psycopg://bot@db/tdbot", "postgresql+psycopg://bot@db/tdbot"),
        ("postgresql+psycopg2://bot@db/tdbot", "postgresql+psycopg://bot@db/tdbot"),
    ],
)
def test_plain_urls_map_to_the_async_drivers(given: str, expected: str) -> None:
    assert async_url(given).render_as_string() == expected


def test_the_password_survives_the_mapping() -> None:
    url = async_url("postgres://bot:s3cret@db/tdbot")
    assert url.password == "s3cret"
    assert url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize("given", ["mysql://u:hunter2@db/x", "postgresql+asyncpg://u:hunter2@db/x"])
def test_other_databases_are_refused_without_showing_the_password(given: str) -> None:
    with pytest.raises(ValueError, match="unsupported database URL") as caught:
        async_url(given)
    assert "hunter2" not in str(caught.value)


def test_garbage_is_refused() -> None:
    with pytest.raises(ValueError, match="not a database URL"):
        async_url("not a url")


async def _ask(url: str, query: str) -> object:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(query))).scalar_one()
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    assert await _ask(url, "PRAGMA journal_mode") == "wal"
    assert await _ask(url, "PRAGMA busy_timeout") == 15_000


async def test_postgres_statements_time_out(pg_url: str) -> None:
    assert await _ask(pg_url, "SHOW statement_timeout") == "30s"
