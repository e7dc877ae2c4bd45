"""Database URLs and engines: SQLite through aiosqlite, PostgreSQL through psycopg 3."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_SQLITE_DRIVERS = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}

# How long a SQLite writer waits for another to finish before "database is locked".
SQLITE_BUSY_SECONDS = 15.0
POSTGRES_CONNECT_SECONDS = 10
POSTGRES_STATEMENT_MS = 30_000


def async_url(url: str | URL) -> URL:
    """Map a plain SQLite or PostgreSQL URL to the async driver the store uses."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}") from None
    driver = parsed.drivername
    if driver in _SQLITE_DRIVERS:
        return parsed.set(drivername="sqlite+aiosqlite")
    if driver in _POSTGRES_DRIVERS:
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
        "use sqlite:///<path> or postgresql://<user>@<host>/<database>"
    )


def create_engine(url: str | URL) -> AsyncEngine:
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    engine = create_async_engine(
        parsed, pool_pre_ping=True, connect_args={"connect_timeout": POSTGRES_CONNECT_SECONDS}
    )
    event.listen(engine.sync_engine, "connect", _postgres_connect)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling skips BEGIN for SELECT and DDL;
    # _sqlite_begin takes over so every transaction is a real one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL is durable enough under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so a busy database makes the
    # transaction wait (busy timeout) instead of failing when a read-then-write
    # transaction tries to upgrade its lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_connect(dbapi_connection: Any, _record: Any) -> None:
    # A session setting rather than a startup option: PgBouncer refuses
    # unknown startup parameters by default.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET statement_timeout = {POSTGRES_STATEMENT_MS}")
    cursor.close()
    dbapi_connection.commit()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for ``name``."""
    digest = hashlib.blake2b(f"tdbot:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
