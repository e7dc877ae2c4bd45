"""What one Home tab open costs with a big store: read, present and render the board.

Fills a store (a SQLite file by default; --postgres: a throwaway PostgreSQL server)
with --threads alert threads spread over --channels channels (a failure delivery for
each failing one, a fifth of them held by someone, a tenth already recovered, the rest
split between the other open statuses), then reads the board of a person in
--member-of of those channels --runs times: BoardReader.read (store queries),
home_message and render_home (a seventh of the threads predate 0009: no session or
failure time). Slack and TD are not involved (membership is given; one open's Slack
cost is one views.publish). Prints the statements per open and the wall time per open
(median, p95, max); then the median of escalation's read of due threads (each poll's),
the other join on a delivery's (channel_id, session_id), over the same store.

    .venv/bin/python bench/home.py [--threads 20000] [--channels 200] [--member-of 50]
                                   [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.board import BoardReader
from bot.present.home import home_message
from bot.render import render_home
from bot.store import AlertKind, Store
from bot.store import tables as t
from bot.store.ownership import on_it
from tests.support.postgres import start_postgres

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OTHER = ("running_long", "late", "not_started", "schedule_disabled")


class Member:
    def __init__(self, channels: frozenset[str]) -> None:
        self.channels = channels

    async def channels_of(self, user_id: str) -> frozenset[str]:
        return self.channels


def rows(n: int, channels: int) -> tuple[list[dict[str, Any]], ...]:
    threads, deliveries, holders, subs = [], [], [], []
    for i in range(n):
        channel = f"C{i % channels:08d}"
        status = "recovered" if i % 10 == 0 else "failing" if i % 3 else OTHER[i % 4]
        ts = f"1700000000.{i:06d}"
        at = NOW - timedelta(minutes=i)
        # Every seventh thread was recorded before 0009: no session time, no failure time.
        old, failed = i % 7 == 0, status in ("failing", "recovered")
        times = dict(
            session_time=None if old else (at - timedelta(hours=1)).isoformat(),
            failed_at=at - timedelta(minutes=2) if failed and not old else None,
        )
        threads.append(
            dict(channel_id=channel, session_id=str(i), parent_ts=ts, status=status,
                 attempt_id=str(i), project=f"project_{i % 97}", workflow=f"workflow_{i}",
                 updated_at=at, **times)
        )  # fmt: skip
        if status in ("failing", "recovered"):
            deliveries.append(
                dict(channel_id=channel, attempt_id=str(i), session_id=str(i),
                     project=f"project_{i % 97}", workflow=f"workflow_{i}",
                     kind=AlertKind.FAILURE.value, state="delivered", message_ts=ts, tries=1,
                     claimed_at=at, delivered_at=at)
            )  # fmt: skip
        if i % 5 == 0:
            holders.append(dict(channel_id=channel, session_id=str(i), user_id="U0ONCALL1",
                                since=at))  # fmt: skip
    for c in range(channels):
        subs.append(dict(channel_id=f"C{c:08d}", project=f"project_{c}", workflow="",
                         threshold=1, created_by="U1", created_at=NOW))  # fmt: skip
    return threads, deliveries, holders, subs


async def main(args: argparse.Namespace) -> int:
    if not args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            return await bench(args, f"sqlite:///{Path(tmp) / 'home.db'}")
    server = start_postgres()
    try:
        return await bench(args, server.create_database())
    finally:
        server.stop()


async def bench(args: argparse.Namespace, url: str) -> int:
    async with await Store.open(url, clock=lambda: NOW) as store:
        started = time.perf_counter()
        threads, deliveries, holders, subs = rows(args.threads, args.channels)
        async with store.database.transaction() as conn:
            for table, values in (
                (t.threads, threads),
                (t.alert_deliveries, deliveries),
                (on_it, holders),
                (t.subscriptions, subs),
            ):
                for start in range(0, len(values), 2000):
                    await conn.execute(insert(table), values[start : start + 2000])
        if store.database.postgres:  # the statistics autovacuum would gather after such a fill
            async with store.database.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
        await store.record_poll_success(NOW)
        print(
            f"store: {store.database.engine.dialect.name}, {len(threads):,} threads "
            f"({len(deliveries):,} deliveries) in {args.channels} channels, "
            f"filled in {time.perf_counter() - started:.1f} s"
        )
        member = frozenset(f"C{c:08d}" for c in range(args.member_of))
        reader = BoardReader(store, Member(member), clock=lambda: NOW)
        statements: list[str] = []

        def count(*a: Any) -> None:
            if not str(a[2]).startswith("BEGIN"):
                statements.append(str(a[2]))

        event.listen(store.database.engine.sync_engine, "before_cursor_execute", count)
        times, blocks = [], 0
        for _ in range(args.runs):
            began = time.perf_counter()
            view = render_home(home_message(await reader.read("U0LEAD001")))
            times.append(time.perf_counter() - began)
            blocks = len(view["blocks"])
        ms = sorted(x * 1000 for x in times)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(
            f"one open (member of {args.member_of} channels, {blocks} blocks): "
            f"{len(statements) / args.runs:g} statements; "
            f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
            f"over {args.runs} runs"
        )
        # The other join on (channel_id, session_id): escalation's read of due threads, each poll.
        due = []
        for _ in range(args.runs):
            began = time.perf_counter()
            await store.escalations.due(NOW)
            due.append((time.perf_counter() - began) * 1000)
        print(f"escalation due read (every open thread): median {statistics.median(due):.1f} ms")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--member-of", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    sys.exit(asyncio.run(main(parser.parse_args())))
