"""The schema comes from the packaged migrations, and they match the tables."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.store import Store
from bot.store.engine import create_engine
from bot.store.migrate import alembic_config, head_revision, upgrade
from bot.store.tables import metadata
from tests.store.helpers import T0


def _schema(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(connection).get_table_names())
    revision = MigrationContext.configure(connection).get_current_revision()
    return tables, revision


def _model_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _inspect_url(url: str) -> tuple[set[str], str | None]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_schema)
    finally:
        await engine.dispose()


async def test_open_creates_the_schema_in_an_empty_database(store_url: str) -> None:
    assert await _inspect_url(store_url) == (set(), None)
    store = await Store.open(store_url)
    await store.close()
    tables, revision = await _inspect_url(store_url)
    assert tables == set(metadata.tables) | {"alembic_version"}
    assert revision == head_revision()


async def test_reopening_keeps_schema_and_data(store_url: str) -> None:
    async with await Store.open(store_url) as store:
        assert await store.add_subscription("C1", "etl", created_by="U1", now=T0)
    async with await Store.open(store_url) as store:
        assert [s.project for s in await store.subscriptions("C1")] == ["etl"]
    assert (await _inspect_url(store_url))[1] == head_revision()


# Each process imports first, then opens on "go", so that the opens race for real.
_OPEN_ON_GO = """
import asyncio, sys
from bot.store import Store

async def main() -> None:
    print("ready", flush=True)
    sys.stdin.readline()
    store = await Store.open(sys.argv[1])
    added = await store.add_subscription("C1", "etl", created_by="U1")
    await store.close()
    print(added)

asyncio.run(main())
"""


async def test_processes_starting_together_all_come_up(store_url: str) -> None:
    """Replicas starting together against one empty database: one migrates, all run."""
    pipes = asyncio.subprocess.PIPE
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _OPEN_ON_GO, store_url, stdin=pipes, stdout=pipes, stderr=pipes
        )
        for _ in range(4)
    ]
    for process in processes:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"ready\n"
    outputs = await asyncio.gather(
        *(asyncio.wait_for(p.communicate(b"go\n"), 30) for p in processes)
    )
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    assert sorted(out.decode().strip() for out, _ in outputs) == ["False"] * 3 + ["True"]
    assert (await _inspect_url(store_url))[1] == head_revision()


async def test_migrations_match_the_tables(store_url: str) -> None:
    """A table change without a migration shows up here as a diff."""
    engine = create_engine(store_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_model_diff) == []
    finally:
        await engine.dispose()


async def test_the_diff_check_sees_a_missing_migration(store_url: str) -> None:
    """The comparison above is live: a column the migrations lack is reported."""
    engine = create_engine(store_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE mutes DROP COLUMN created_by"))
        async with engine.connect() as conn:
            diff = await conn.run_sync(_model_diff)
        assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "mutes", "created_by")]
    finally:
        await engine.dispose()


async def test_one_process_opens_several_stores_at_once(tmp_path: Any, pg_url: str) -> None:
    """Alembic keeps the running migration in module globals: opens must not interleave."""
    urls = [f"sqlite:///{tmp_path / f'{i}.db'}" for i in range(3)] + [pg_url]
    stores = await asyncio.gather(*(Store.open(url) for url in urls))
    for store in stores:
        await store.close()
    for url in urls:
        assert (await _inspect_url(url))[1] == head_revision()


async def test_threads_with_their_own_loops_open_stores_at_once(tmp_path: Any) -> None:
    urls = [f"sqlite:///{tmp_path / f'{i}.db'}" for i in range(4)]

    async def open_close(url: str) -> None:
        await (await Store.open(url)).close()

    await asyncio.gather(*(asyncio.to_thread(asyncio.run, open_close(url)) for url in urls))
    for url in urls:
        assert (await _inspect_url(url))[1] == head_revision()


async def _database_at(store_url: str, revision: str, *rows: str) -> None:
    """Migrate an empty database to ``revision`` only, and insert ``rows`` (SQL) there."""
    engine = create_engine(store_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))
        assert (await _inspect_url(store_url))[1] == revision
        async with engine.begin() as conn:
            for row in rows:
                await conn.execute(text(row))
    finally:
        await engine.dispose()


async def test_a_database_at_0001_keeps_its_rows_through_0002(store_url: str) -> None:
    """Deployed databases are at 0001: opening one adds the replica tables, loses nothing."""
    await _database_at(
        store_url,
        "0001",
        "INSERT INTO actions (action_key, user_id, action, target_id, state, created_at)"
        " VALUES ('retry:1', 'U1', 'retry', '1', 'started', '2026-03-01 12:00:00+00')",
    )
    async with await Store.open(store_url, clock=lambda: T0) as store:
        assert [a.key for a in await store.actions()] == ["retry:1"]
        assert await store.seen_events.first_time("Ev1")
    assert (await _inspect_url(store_url))[1] == head_revision()
    assert head_revision() != "0001"  # the upgrade went past the rows' own revision


async def test_threads_recorded_before_0009_read_as_before(store_url: str) -> None:
    """0009 adds the run's times to threads: older rows have none and show the alert's time."""
    await _database_at(
        store_url,
        "0008",
        "INSERT INTO threads (channel_id, session_id, parent_ts, status, attempt_id, project,"
        " workflow, updated_at) VALUES ('C1', '500', '1700000000.000100', 'failing', '9500',"
        " 'etl', 'daily', '2026-03-01 12:30:00+00')",
        "INSERT INTO alert_deliveries (channel_id, attempt_id, session_id, project, workflow,"
        " kind, state, message_ts, tries, claimed_at, delivered_at) VALUES ('C1', '9500', '500',"
        " 'etl', 'daily', 'failure', 'delivered', '1700000000.000100', 1,"
        " '2026-03-01 12:00:00+00', '2026-03-01 12:01:00+00')",
    )
    async with await Store.open(store_url, clock=lambda: T0) as store:
        [alert] = (await store.open_alerts(["C1"], ["failing"], per_status=5)).alerts
    assert (alert.session_time, alert.failed_at) == (None, None)
    assert alert.since == T0 + timedelta(minutes=1)  # its first alert, as the board said before
    assert (await _inspect_url(store_url))[1] == head_revision()
