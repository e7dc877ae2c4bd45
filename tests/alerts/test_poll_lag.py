"""Poll lag on a replica that is not polling: the leader's last success, not "never"."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from bot.alerts import Poller
from bot.ops.metrics import Metrics
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient
from tests.alerts.conftest import TEST_CONFIG, sandbox_pacer
from tests.fakes.notifier import RecordingNotifier
from tests.support.postgres import PostgresServer
from tests.support.postgres import postgres_server as postgres_server


def poll_lag(metrics: Metrics) -> float:
    for family in text_string_to_metric_families(metrics.render().decode()):
        if family.name == "tdbot_poll_lag_seconds":
            return float(family.samples[0].value)
    raise AssertionError("no tdbot_poll_lag_seconds on /metrics")


async def test_a_follower_reports_the_leaders_poll_lag(
    postgres_server: PostgresServer, sandbox: Sandbox, td: TDClient
) -> None:
    url = postgres_server.create_database()
    async with await Store.open(url) as leader_store, await Store.open(url) as follower_store:
        follower_metrics = Metrics()
        pollers = [
            Poller(
                td,
                store,
                RecordingNotifier(),
                console=sandbox.url,
                config=TEST_CONFIG,
                clock=sandbox.clock.now,
                pacer=sandbox_pacer(sandbox),
                metrics=metrics,
            )
            for store, metrics in ((leader_store, Metrics()), (follower_store, follower_metrics))
        ]
        leader, follower = pollers
        assert (await leader.poll_once()).leader
        polled_at = leader.last_success
        assert polled_at is not None
        assert math.isnan(poll_lag(follower_metrics))
        sandbox.advance(42)
        async with leader_store.leader_lock() as holding:
            assert holding
            assert not (await follower.poll_once()).leader
        assert follower.last_success == polled_at
        assert poll_lag(follower_metrics) == 42
