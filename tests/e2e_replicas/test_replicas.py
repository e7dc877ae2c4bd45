"""Three bot processes, one PostgreSQL, one sandbox, one Slack: each alert exactly once.

The replicas poll as fast as they can; the store's leader lock lets one poll
at a time and the claims keep a replica that took over from posting again. One
replica is SIGKILLed midway and replaced, as a rolling restart would.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from bot.store import ALL_PROJECTS, Store
from bot.td import TDClient
from tests.alerts.chat_fakes import SlackWithHistory, marks_of
from tests.alerts.conftest import CHANNEL, LAB, OTHER_CHANNEL, RECOVERS, Scenario
from tests.support.postgres import PostgresServer
from tests.support.postgres import postgres_server as postgres_server

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 3
ROUNDS = 4
LEASE = 1.0
FAILING = [
    "presto_syntax_query_failed",
    "presto_missing_column",
    "presto_type_mismatch",
    "presto_time_limit",
    "presto_division_by_zero",
    "presto_cast_failure",
    "hive_parse_exception",
    "py_key_error_env",
]


@pytest.fixture
def slack() -> Iterator[SlackWithHistory]:
    with SlackWithHistory() as fake:
        yield fake


def start_replica(sandbox: Sandbox, slack: SlackWithHistory, db: str) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "tests.alerts.bot_process",
        "--td", sandbox.url, "--api-key", sandbox.api_key, "--slack", slack.api_url,
        "--db", db, "--polls", "0", "--interval", "0.2", "--lease", str(LEASE),
        "--posts-per-second", "50",  # pacing is not what this test is about
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_first_poll(replica: subprocess.Popen[str]) -> None:
    assert replica.stdout is not None
    line = replica.stdout.readline()
    assert line.startswith("poll "), line + (replica.stderr.read() if replica.stderr else "")


async def test_three_replicas_alert_every_failure_exactly_once(
    postgres_server: PostgresServer, sandbox: Sandbox, slack: SlackWithHistory, tmp_path: Path
) -> None:
    db = postgres_server.create_database()
    async with await Store.open(db) as store:
        await store.add_subscription(CHANNEL, LAB, created_by="U1")
        await store.add_subscription(OTHER_CHANNEL, ALL_PROJECTS, created_by="U1")

    replicas = [start_replica(sandbox, slack, db) for _ in range(REPLICAS)]
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as td:
        scenario = Scenario(sandbox, td)
        try:
            for replica in replicas:
                await asyncio.to_thread(wait_for_first_poll, replica)
            finished: list[str] = []
            retried: list[str] = []
            for round_ in range(ROUNDS):
                for wf in FAILING[round_::ROUNDS]:
                    scenario.fail(wf)
                scenario.fail(RECOVERS)
                finished += scenario.advance(900)
                failed = await scenario.last_attempt(RECOVERS)
                retried.append((await scenario.retry(failed)).id)
                finished += scenario.advance(900)
                if round_ == 1:  # a rolling restart: one replica dies mid-flight
                    replicas[0].kill()
                    replicas[0].wait()
                    replicas[0] = start_replica(sandbox, slack, db)
                await asyncio.sleep(0.3)

            attempts = [await td.attempt(i) for i in dict.fromkeys(finished)]
            everywhere = {a.id for a in attempts if a.status.failed}
            in_lab = {a.id for a in attempts if a.status.failed and a.project.name == LAB}
            assert len(in_lab) >= len(FAILING) + ROUNDS  # each workflow once, RECOVERS each round
            # Every failure alerted, and every successful retry posted as a recovery.
            expected = {CHANNEL: in_lab | set(retried), OTHER_CHANNEL: everywhere}

            def counts() -> dict[str, Counter[str]]:
                return {
                    ch: Counter(mark for m in slack.posted(ch) for mark in marks_of(m))
                    for ch in expected
                }

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                seen = counts()
                if all(want <= set(seen[ch]) for ch, want in expected.items()):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(LEASE + 0.5)  # room for any late duplicate to show up
            seen = counts()
        finally:
            for replica in replicas:
                replica.kill()
                replica.wait()

    for channel, want in expected.items():
        missing = want - set(seen[channel])
        assert not missing, f"{channel}: never alerted {sorted(missing)}"
        repeated = {mark: n for mark, n in seen[channel].items() if n > 1}
        assert not repeated, f"{channel}: alerted more than once {repeated}"
    recoveries = [m for m in slack.posted(CHANNEL) if set(marks_of(m)) & set(retried)]
    assert len(recoveries) == len(retried)
    assert all(m["thread_ts"] is not None for m in recoveries)
