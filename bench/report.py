"""Weekly reliability report over a large account: TD requests, wall time, peak RSS.

A sandbox account with 2,000 extra workflows, each run about hourly for the
last 7 days (~336,000 sessions), runs in its own process (TD's memory is not
the bot's) and answers every TD request 100 ms late. The bot side is the real
``ReportService`` with a fresh SQLite store, reporting on every project (`*`)
for 7 days, chart and table included (``present_report``):

1. the first report (cold cache): every project's attempts for 14 days (the
   report's 7 and the 7 before, for the p95 change);
2. the second report right after (warm cache): only what is new;
3. a third report an hour of account time later (new runs, retries, ends).

    .venv/bin/python bench/report.py [--runs 2] [--workflows 2000] [--latency 0.1]

Targets: under 30 s of wall time and under 200 MB peak RSS for the first report.
Each report's CPU time is printed for the bot (this process) and for the sandbox
(TD CPU), to tell which of the two a report waits on.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import resource
import tempfile
import time
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from bot.commands import Scope
from bot.present.report import present_report
from bot.reports import ReportService
from bot.sandbox import Sandbox, Scale
from bot.store import Store
from bot.td import Endpoints, TDClient

RUNS_PER_DAY = 24
DAYS = 7


def _serve(scale: Scale, latency: float, conn: Connection) -> None:
    """Child process: the scaled sandbox, driven by (command, argument) messages."""
    with Sandbox(scale=scale) as sb:
        # Millions of long-lived records: without this the sandbox's full collections
        # stall it for seconds (TD's servers have no such pauses), timing out requests.
        gc.freeze()
        sb.faults.latency = latency
        conn.send((sb.url, sb.api_key, sb.clock.now(), len(sb.world.store.sessions)))
        while True:
            command, argument = conn.recv()
            if command == "advance":
                sb.advance(argument)
                conn.send(sb.clock.now())
            elif command == "cpu":
                conn.send(time.process_time())
            else:
                return


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _run(
    conn: Connection, api_key: str, endpoints: Endpoints, now: datetime, db: Path
) -> list[dict[str, float]]:
    clock = [now]
    figures = []
    async with (
        TDClient(api_key, endpoints) as td,
        await Store.open(f"sqlite:///{db}") as store,
    ):
        reports = ReportService(td, store, timezone="UTC", clock=lambda: clock[0])
        for label in ("first", "second", "hour later"):
            if label == "hour later":
                conn.send(("advance", 3600.0))
                clock[0] = conn.recv()
            before = td.request_count
            conn.send(("cpu", None))
            sandbox_cpu = conn.recv()
            start, cpu = time.perf_counter(), time.process_time()
            report = await reports.report([Scope(None)], DAYS)
            message = await present_report(report)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            conn.send(("cpu", None))
            sandbox_cpu = conn.recv() - sandbox_cpu
            figures.append(
                {
                    "requests": float(td.request_count - before),
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "sandbox_cpu_s": sandbox_cpu,
                    "rss_mb": _peak_rss_mb(),
                    "runs": float(report.totals.runs),
                    "workflows": float(report.totals.workflows),
                    "files": float(len(message.files)),
                }
            )
    return figures


async def _bench(args: argparse.Namespace) -> None:
    scale = Scale(
        workflows=args.workflows,
        attempts=args.workflows * RUNS_PER_DAY * DAYS,
        history=timedelta(days=DAYS),
    )
    print(f"building the sandbox: {scale.workflows} workflows, {scale.attempts} runs over 7 days")
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(scale, args.latency, child), daemon=True)
    server.start()
    url, api_key, now, sessions = parent.recv()
    endpoints = Endpoints(api=url, workflow=url, console=url, region=None)
    print(f"sandbox: {sessions} sessions in all; {args.latency * 1000:g} ms per TD request")
    columns = [("run", 3), ("report", 10), ("TD req", 7), ("wall s", 7), ("bot CPU", 7)]
    columns += [("TD CPU", 7), ("RSS MB", 7)]
    print(" ".join(f"{name:>{width}}" for name, width in columns), f"{'runs':>8} {'wfs':>5}")
    firsts = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                figures = await _run(parent, api_key, endpoints, now, Path(tmp) / f"r{run}.db")
                firsts.append(figures[0])
                now = now + timedelta(hours=1)  # the account moved on in the third report
                for label, f in zip(("first", "second", "hour later"), figures, strict=True):
                    print(
                        f"{run + 1:>3} {label:>10} {f['requests']:>7.0f} {f['wall_s']:>7.2f} "
                        f"{f['cpu_s']:>7.2f} {f['sandbox_cpu_s']:>7.2f} {f['rss_mb']:>7.1f} "
                        f"{f['runs']:>8.0f} {f['workflows']:>5.0f}"
                    )
    finally:
        parent.send(("stop", None))
        server.join(10)
    wall = max(f["wall_s"] for f in firsts)
    rss = max(f["rss_mb"] for f in firsts)
    print(
        f"targets: first report {wall:.1f}s < 30s: {wall < 30}; RSS {rss:.0f} MB < 200: {rss < 200}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="fresh stores, one sandbox")
    parser.add_argument("--workflows", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per TD request")
    asyncio.run(_bench(parser.parse_args()))


if __name__ == "__main__":
    main()
