"""A throwaway PostgreSQL server for tests: initdb + pg_ctl on a temp directory.

One server per test session (``postgres_server`` fixture), a fresh database
per test (``PostgresServer.create_database``). initdb refuses to run as root,
so under root (CI) the server runs as the ``postgres`` user, or ``nobody``
when the PostgreSQL package did not create one.

A missing installation is an error, not a skip: scripts/ensure-postgres
installs Debian's ``postgresql`` package before the suite runs.

A watchdog process stops the server and deletes its files once the test
process closes its end of a pipe, or dies: a test run killed by a timeout
leaves no server behind.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

SUPERUSER = "postgres"
_COMMAND_SECONDS = 60
# Durability is pointless for a server that is deleted after the run.
_SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
)


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None  # OS user running the server when the tests run as root
    watchdog: subprocess.Popen[bytes]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self._connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def reset_database(self, url: str) -> None:
        """Empty a database made by create_database, in a fraction of the time of a new one.

        Every connection to it must be closed (dropping the schema waits for them).
        """
        database = make_url(url).database
        assert database is not None
        with self._connect(database) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    @contextlib.contextmanager
    def unreachable(self, url: str) -> Iterator[None]:
        """The database refuses connections (and loses its open ones) until the block ends."""
        database = make_url(url).database
        assert database is not None
        name = sql.Identifier(database)
        with self._connect("postgres") as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database,),
            )
        try:
            yield
        finally:
            with self._connect("postgres") as conn:
                conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))

    def _connect(self, database: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
        )

    def stop(self) -> None:
        """Stop the server and delete its files (the watchdog does both when the pipe closes)."""
        _, err = self.watchdog.communicate(timeout=_COMMAND_SECONDS)
        if self.watchdog.returncode != 0:
            raise RuntimeError(
                f"stopping the test PostgreSQL failed:\n{err.decode(errors='replace')}"
            )


def find_bin_dir() -> Path:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's layout)."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(p) for p in debian]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under "
        "/usr/lib/postgresql/*/bin: install Debian's 'postgresql' package "
        "(scripts/ensure-postgres does it)"
    )


def start_postgres() -> PostgresServer:
    bin_dir = find_bin_dir()
    run_as = _unprivileged_user() if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="tdbot-pg-"))
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    # Its own session: killing the test run's process group must not take it along.
    watchdog = subprocess.Popen(
        [sys.executable, "-I", "-c", _WATCHDOG, str(bin_dir / "pg_ctl"), str(root), run_as or ""],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    server = PostgresServer(bin_dir, root, _free_port(), run_as, watchdog)
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                *("-D", str(server.data_dir), "-U", SUPERUSER, "-A", "trust"),
                *("-E", "UTF8", "--locale=C", "--no-sync"),
            ],
            run_as,
        )
        options = (
            f"-p {server.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={shlex.quote(str(root))} {_SERVER_OPTIONS}"
        )
        _run(
            [
                str(bin_dir / "pg_ctl"),
                *("-D", str(server.data_dir), "-w", "-t", "30"),
                *("-l", str(root / "server.log"), "-o", options, "start"),
            ],
            run_as,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            server.stop()
        raise
    return server


_WATCHDOG = """
import os, pwd, shutil, subprocess, sys
pg_ctl, root, run_as = sys.argv[1:]
sys.stdin.buffer.read()  # EOF: the test process is done with the server, or dead
outcome = 0
if os.path.exists(os.path.join(root, "data", "postmaster.pid")):
    user = pwd.getpwnam(run_as) if run_as else None
    stop = subprocess.run(
        [pg_ctl, "-D", os.path.join(root, "data"), "-m", "immediate", "-w", "stop"],
        capture_output=True, text=True, timeout=60, check=False,
        user=user.pw_uid if user else None, group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
    )
    if stop.returncode:
        outcome = f"pg_ctl stop failed ({stop.returncode}): {stop.stdout}{stop.stderr}"
shutil.rmtree(root, ignore_errors=True)
sys.exit(outcome)
"""


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(command: list[str], run_as: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    entry = pwd.getpwnam(run_as) if run_as is not None else None
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        timeout=_COMMAND_SECONDS,
        check=False,
        user=entry.pw_uid if entry else None,
        group=entry.pw_gid if entry else None,
        extra_groups=[] if entry else None,
    )
    if result.returncode != 0:
        log = Path(command[command.index("-l") + 1]) if "-l" in command else None
        details = log.read_text(errors="replace") if log and log.exists() else ""
        raise RuntimeError(
            f"{shlex.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}{details}"
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
