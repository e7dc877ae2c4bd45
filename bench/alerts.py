"""Alert poller at scale: TD requests per poll, poll time, failure-to-post latency, RSS.

A sandbox account with 2,000 extra workflows and 20,000 past attempts runs in
its own process (as TD would: its memory is not the bot's). The bot side is
the real poller on the real scheduler with a SQLite store; ``--channels``
team channels are each subscribed to their share of the projects. Each run:

1. a fresh store, a first poll (history is not news), then ``--steady`` polls
   while the account lives on (``--account-seconds`` of sandbox time pass
   between polls): TD requests and wall time of the quiet (steady-state) polls,
   those with nothing to alert (``quiet`` says how many of them there were);
2. ``--failures`` failures injected at a random moment of a poll interval:
   wall time from injection to the post that carries each failure (p50/p99),
   and the wall time and CPU time of the poll that found them;
3. peak RSS of the bot process so far.

    .venv/bin/python -m bench.alerts [--runs 3] [--interval 5] [--failures 200]

Targets: <= 3 TD requests per steady-state poll, p99 latency < interval + 1 s,
peak RSS < 100 MB (< 130 MB at 50,000 workflows).

The silent-failure row (running long, late, not started, schedule disabled on
2,000 scheduled workflows) is ``bench/silent.py``, built on this module's notifier.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from bot.alerts import AlertScheduler, Poller, PollerConfig, PollReport
from bot.message import Message
from bot.notify import Capabilities, Marks
from bot.store import Store
from bot.td import Endpoints, TDClient

if TYPE_CHECKING:
    from bot.sandbox import Sandbox


def _serve(workflows: int, attempts: int, conn: Connection) -> None:
    """Child process: the scaled sandbox, driven by (command, argument) messages.

    The sandbox is imported here, after the fork: the bot's process (whose RSS is
    measured) holds only what the alert loop imports, as `tdbot serve` does."""
    from bot.sandbox import Sandbox, Scale

    with Sandbox(scale=Scale(workflows=workflows, attempts=attempts)) as sb:
        projects = sorted({name for name, _ in _workflows(sb)})
        conn.send((sb.url, sb.api_key, projects))
        while True:
            command, argument = conn.recv()
            if command == "advance":
                conn.send(len(sb.advance(argument).started))
            elif command == "inject":
                ids = sb.inject_failures(argument)
                conn.send((ids, time.time()))
            else:
                return


def _workflows(sb: Sandbox) -> list[tuple[str, str]]:
    return [
        (p.name, w.name) for p in sb.world.store.projects.values() for w in p.workflows.values()
    ]


@dataclass
class TimedNotifier:
    """A notifier that only notes when each failure (by its mark) was first sent."""

    surface = "bench"
    capabilities = Capabilities(threads=True, updates=True, findable=True)
    posted_at: dict[str, float] = field(default_factory=dict)
    messages: int = 0

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        self.messages += 1
        now = time.time()
        for mark in marks:
            self.posted_at.setdefault(mark, now)
        return f"{now:.6f}"

    async def update(self, destination: str, ref: str, message: Message) -> None:
        self.messages += 1

    async def find_marked(
        self, destination: str, mark: str, *, thread: str | None, oldest: datetime
    ) -> str | None:
        return None


@dataclass
class Recorder:
    """What the scheduler runs: one poll, with its report and wall time kept."""

    poller: Poller
    polls: list[tuple[PollReport, float]] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # the process's CPU seconds per poll

    async def tick(self) -> None:
        start, cpu = time.perf_counter(), time.process_time()
        report = await self.poller.poll_once()
        self.cpu.append(time.process_time() - cpu)
        self.polls.append((report, time.perf_counter() - start))


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _until(done: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {within:g}s")
        await asyncio.sleep(0.01)


async def _wait_polls(recorder: Recorder, count: int, within: float) -> None:
    await _until(lambda: len(recorder.polls) >= count, within, f"{count} polls")


async def _run(
    conn: Connection,
    api_key: str,
    endpoints: Endpoints,
    projects: list[str],
    args: argparse.Namespace,
    workdir: Path,
    run: int,
) -> dict[str, float]:
    async with (
        TDClient(api_key, endpoints) as td,
        await Store.open(f"sqlite:///{workdir / f'run{run}.db'}") as store,
    ):
        for project in projects:
            channel = f"C{zlib.crc32(project.encode()) % args.channels:04d}TEAM"
            await store.add_subscription(channel, project, created_by="UBENCH")
        notifier = TimedNotifier()
        poller = Poller(
            td, store, notifier, console=endpoints.console,
            config=PollerConfig(poll_seconds=args.interval),
        )  # fmt: skip
        recorder = Recorder(poller)
        scheduler = AlertScheduler(recorder, interval=args.interval)
        scheduler.start()
        try:
            await _wait_polls(recorder, 1, args.interval * 3)  # the first poll: history
            for n in range(args.steady):
                conn.send(("advance", args.account_seconds))  # the account lives on
                conn.recv()
                await _wait_polls(recorder, 2 + n, args.interval * 3)
            # Steady state: polls with nothing to alert (the account's own runs
            # fail now and then; those polls diagnose and post, and are counted apart).
            steady = [(r, w) for r, w in recorder.polls[1:] if not r.claimed]
            busy = len(recorder.polls) - 1 - len(steady)

            # Inject at a random moment of the interval that follows a poll.
            await asyncio.sleep(random.uniform(0, args.interval))
            polls_before = len(recorder.polls)
            conn.send(("inject", args.failures))
            ids, injected_at = conn.recv()
            await _until(
                lambda: all(i in notifier.posted_at for i in ids), args.interval * 6, "posts"
            )
            # The poll that posted them records its report when it finishes.
            await _until(
                lambda: any(r.claimed for r, _ in recorder.polls[polls_before:]),
                args.interval * 6,
                "storm poll",
            )
            storm = [wall for report, wall in recorder.polls[polls_before:] if report.claimed]
            storm_cpu = [
                cpu
                for (report, _), cpu in zip(
                    recorder.polls[polls_before:], recorder.cpu[polls_before:], strict=True
                )
                if report.claimed
            ]
        finally:
            await scheduler.stop()
    latencies = [notifier.posted_at[i] - injected_at for i in ids]
    return {
        "busy_polls": float(busy),
        "steady_requests_max": max(r.td_requests for r, _ in steady),
        "steady_requests_mean": statistics.mean(r.td_requests for r, _ in steady),
        "steady_wall_ms": 1000 * statistics.median(w for _, w in steady),
        "storm_wall_s": max(storm) if storm else float("nan"),
        "storm_cpu_s": max(storm_cpu) if storm_cpu else float("nan"),
        "latency_p50_s": _percentile(latencies, 0.5),
        "latency_p99_s": _percentile(latencies, 0.99),
        "messages": float(notifier.messages),
        "peak_rss_mb": _peak_rss_mb(),
    }


async def _bench(args: argparse.Namespace) -> None:
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(
        target=_serve, args=(args.workflows, args.attempts, child), daemon=True
    )
    server.start()
    url, api_key, projects = parent.recv()
    endpoints = Endpoints(api=url, workflow=url, console=url, region=None)
    print(
        f"sandbox: {len(projects)} projects, +{args.workflows} workflows, "
        f"+{args.attempts} past attempts; {args.channels} channels; "
        f"poll every {args.interval:g}s; {args.failures} failures per run"
    )
    header = (
        f"{'run':>3} {'quiet':>5} {'req/poll':>9} {'(mean)':>7} {'poll ms':>8} {'storm s':>8} "
        f"{'CPU s':>6} {'p50 s':>6} {'p99 s':>6} {'posts':>6} {'RSS MB':>7}"
    )
    print(header)
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                r = await _run(parent, api_key, endpoints, projects, args, Path(tmp), run)
                results.append(r)
                print(
                    f"{run + 1:>3} {args.steady - r['busy_polls']:>5.0f} "
                    f"{r['steady_requests_max']:>9.0f} "
                    f"{r['steady_requests_mean']:>7.2f} {r['steady_wall_ms']:>8.1f} "
                    f"{r['storm_wall_s']:>8.2f} {r['storm_cpu_s']:>6.2f} "
                    f"{r['latency_p50_s']:>6.2f} {r['latency_p99_s']:>6.2f} "
                    f"{r['messages']:>6.0f} {r['peak_rss_mb']:>7.1f}"
                )
    finally:
        parent.send(("stop", None))
        server.join(10)
    worst_requests = max(r["steady_requests_max"] for r in results)
    worst_p99 = max(r["latency_p99_s"] for r in results)
    peak = max(r["peak_rss_mb"] for r in results)
    rss_target = 100 if args.workflows <= 2000 else 130
    print(
        f"targets: requests/poll {worst_requests:.0f} <= 3: {worst_requests <= 3}; "
        f"p99 {worst_p99:.2f}s < {args.interval + 1:g}s: {worst_p99 < args.interval + 1}; "
        f"RSS {peak:.0f} MB < {rss_target}: {peak < rss_target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds")
    parser.add_argument("--failures", type=int, default=200)
    parser.add_argument("--workflows", type=int, default=2000)
    parser.add_argument("--attempts", type=int, default=20000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--steady", type=int, default=5, help="steady-state polls per run")
    parser.add_argument(
        "--account-seconds",
        type=float,
        default=3600.0,
        help="sandbox time that passes between steady-state polls (runs start and end)",
    )
    asyncio.run(_bench(parser.parse_args()))


if __name__ == "__main__":
    main()
