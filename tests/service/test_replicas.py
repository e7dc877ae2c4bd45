"""Two served replicas on one store (a SQLite file, then PostgreSQL), as behind a load balancer.

Slack may redeliver an event to whichever replica the balancer picks; it is
answered once. One user's rate of expensive commands is one limit, not one per
replica. And the health endpoints say what operators can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Sandbox
from bot.slack.http import mark_stopping
from tests.fakes import slack_requests
from tests.fakes.slack_api import FakeSlackAPI
from tests.service.harness import Running, running_service, texts
from tests.support.postgres import PostgresServer
from tests.support.postgres import postgres_server as postgres_server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@contextlib.asynccontextmanager
async def two_replicas(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, database_url: str, **options: Any
) -> AsyncIterator[tuple[Running, Running]]:
    async with (
        running_service(sandbox, slack, tmp_path, database_url=database_url, **options) as a,
        running_service(sandbox, slack, tmp_path, database_url=database_url, **options) as b,
    ):
        yield a, b


async def test_a_redelivered_event_is_answered_once_whichever_replica_gets_it(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, database_url: str
) -> None:
    async with two_replicas(sandbox, slack, tmp_path, database_url) as (a, b):
        first = slack_requests.app_mention("help", event_id="EvREPLICA1")
        await a.post(first, slack_requests.JSON)
        await b.post(first, slack_requests.JSON, retry=1)  # the balancer picked the other one
        await a.post(first, slack_requests.JSON, retry=2)
        # A redelivery racing the original, one on each replica.
        second = slack_requests.app_mention("help", event_id="EvREPLICA2")
        await asyncio.gather(
            a.post(second, slack_requests.JSON, retry=1), b.post(second, slack_requests.JSON)
        )
        fresh = slack_requests.app_mention("help", event_id="EvREPLICA3")  # a new event: answered
        await b.post(fresh, slack_requests.JSON)
        await slack.wait_for("/api/chat.postMessage", n=3)
        for replica in (a, b):
            await replica.service.bot.tasks.drain(grace=10)

    threads = Counter(call.body["thread_ts"] for call in slack.calls("/api/chat.postMessage"))
    event_ts = [json.loads(body)["event"]["ts"] for body in (first, second, fresh)]
    assert threads == dict.fromkeys(event_ts, 1)


async def test_one_user_has_one_limit_across_replicas(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, database_url: str
) -> None:
    async with two_replicas(sandbox, slack, tmp_path, database_url, rate=(1, 2)) as (a, b):
        assert "Newest" in texts(await a.ask("jobs 1"))
        assert "Newest" in texts(await b.ask("jobs 1"))
        # Each replica alone has granted only one of the two; together they granted both.
        assert "try again in" in texts(await b.ask("jobs 1"))
        assert "try again in" in texts(await a.ask("jobs 1"))


async def test_td_down_is_degraded_but_ready_and_a_lost_store_is_unready_but_answers(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.create_database()
    async with running_service(sandbox, slack, tmp_path, database_url=url) as bot:

        async def get(path: str) -> tuple[int, dict[str, Any]]:
            response = await bot.http.get(f"{bot.url}{path}")
            return response.status_code, response.json()

        sandbox.faults.fail(1_000_000, status=503)
        code, health = await get("/healthz")
        assert code == 200 and health["status"] == "degraded" and health["ready"] is True
        assert health["checks"]["td"]["ok"] is False
        assert health["checks"]["store"]["ok"] is True
        assert await get("/readyz") == (200, {"status": "ready", "checks": {"store": {"ok": True}}})
        sandbox.faults.clear()

        with postgres_server.unreachable(url):
            code, ready = await get("/readyz")
            assert code == 503 and ready["status"] == "unready"
            assert ready["checks"]["store"]["ok"] is False
            code, health = await get("/healthz")
            assert code == 200 and health["status"] == "degraded"  # alive: do not restart
            assert health["checks"]["store"]["ok"] is False
            # An event that cannot be checked against the store is answered all the same.
            await bot.post(slack_requests.app_mention("help"), slack_requests.JSON)
            [answer] = await slack.wait_for("/api/chat.postMessage")
            assert "help" in texts(answer).lower()
        assert (await get("/readyz"))[0] == 200  # the pool reconnects by itself

        mark_stopping(bot.service.bot.asgi)  # what SIGTERM does first
        assert await get("/readyz") == (503, {"status": "stopping"})
        assert (await get("/healthz"))[0] == 200
