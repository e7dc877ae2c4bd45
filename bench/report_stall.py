"""How long counting a report holds the event loop (what an ack arriving meanwhile waits).

Fills a SQLite report cache with --workflows workflows run hourly for 14 days, then
streams a 7-day report through ``ReportCache.stream`` + ``Tally`` at each --chunks size
while a heartbeat task on the same loop wakes every millisecond; prints the longest
gap between its wake-ups in the loop thread's CPU time (what the count itself holds
the loop for, whatever else the machine runs) and in wall time, and the wall and CPU time of the
whole count, over --runs runs; garbage collection settled as `tdbot serve` does.
Target: the default chunk keeps the longest stall under 20 ms (the ack budget's
slack, see bench/ack_latency.py).

    .venv/bin/python bench/report_stall.py [--workflows 200] [--chunks 5000,2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ops.gc import settle_after_start
from bot.reports.model import Period
from bot.reports.stats import Tally
from bot.store.database import Database
from bot.store.report_cache import AttemptRow, FeedState, ReportCache

HOURS = 14 * 24


def cached_runs(workflows: int, now: datetime) -> list[AttemptRow]:
    rows: list[AttemptRow] = []
    for w in range(workflows):
        for hour in range(HOURS):
            n = len(rows) + 1
            created = int((now - timedelta(hours=hour)).timestamp())
            status = "error" if hour % 17 == 0 else "success"
            rows.append(AttemptRow(n, n, 1, "bench", f"wf{w:04d}", status, created, created + 600))
    return rows


async def one_count(cache: ReportCache, now: datetime, chunk: int) -> Count:
    wall_gaps: list[float] = []
    cpu_gaps: list[float] = []  # the loop thread's own CPU between wake-ups
    counting = True

    async def heartbeat() -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        while counting:
            await asyncio.sleep(0.001)
            wall_at, cpu_at = time.perf_counter(), time.thread_time()
            wall_gaps.append(wall_at - wall)
            cpu_gaps.append(cpu_at - cpu)
            wall, cpu = wall_at, cpu_at

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    period = Period(now, 7)
    tally = Tally(period, "UTC")
    wall, cpu = time.perf_counter(), time.process_time()
    async for rows in cache.stream([("bench", None)], period.previous_start, chunk=chunk):
        tally.add(rows)
    tally.finish()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counting = False
    await beat
    return Count(max(cpu_gaps) * 1000, max(wall_gaps) * 1000, wall, cpu)


@dataclass(frozen=True)
class Count:
    cpu_stall_ms: float  # the longest the loop thread computed without a wake-up
    wall_stall_ms: float  # the longest wall gap (adds time the OS ran other processes)
    wall: float
    cpu: float


async def main(args: argparse.Namespace) -> int:
    chunks = [int(c) for c in args.chunks.split(",")]
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        database = await Database.open(f"sqlite:///{tmp}/bench.db")
        try:
            cache = ReportCache(database)
            rows = cached_runs(args.workflows, now)
            feed = FeedState("bench", None, len(rows), 1, now - timedelta(days=15), now)
            await cache.save(rows, feed)
            print(f"{len(rows):,} cached runs ({args.workflows} workflows, hourly, 14 days)")
            del rows
            settle_after_start()  # as `tdbot serve` runs: start-up objects frozen
            longest: dict[int, list[float]] = {c: [] for c in chunks}
            for run in range(1, args.runs + 1):
                for chunk in chunks:
                    count = await one_count(cache, now, chunk)
                    longest[chunk].append(count.cpu_stall_ms)
                    print(
                        f"run {run} chunk {chunk:>5}: longest loop stall "
                        f"{count.cpu_stall_ms:5.1f} ms of its CPU ({count.wall_stall_ms:5.1f} ms "
                        f"wall), count {count.wall:.2f} s wall / {count.cpu:.2f} s CPU"
                    )
        finally:
            await database.close()
    default = int(inspect.signature(ReportCache.stream).parameters["chunk"].default)
    worst = max(longest.get(default, [0.0]))
    for chunk, stalls in longest.items():
        median = statistics.median(stalls)
        print(f"chunk {chunk}: longest stall median {median:.1f} ms, worst {max(stalls):.1f} ms")
    met = worst < args.target_ms
    verdict = "met   " if met else "MISSED"
    print(f"{verdict} default chunk {default}: worst stall {worst:.1f} ms < {args.target_ms:g} ms")
    return 0 if met else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--chunks", default="5000,2000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target-ms", type=float, default=20.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
