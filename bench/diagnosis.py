"""Diagnosis wall time and request count against the sandbox with injected latency.

The engine's chain is attempt/tasks/retries/log list -> logs + jobs + history ->
(job found only in a log, last good revision), so wall time should stay near
3 x latency whether 1 or 20 tasks failed. Prints wall/L (median, p90) and the
request counts for 1, 5 and 20 failing tasks, with the sandbox in its own process
(as TD would be) and, with ``--in-process``, in this one (its CPU then adds up).

    .venv/bin/python -m bench.diagnosis [--latency 0.2] [--runs 7] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
from multiprocessing.connection import Connection

from bot.diagnosis import diagnose_attempt
from bot.sandbox import Sandbox
from bot.td import Endpoints, TDClient

FAILING = (1, 5, 20)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _prepare(sb: Sandbox, latency: float) -> dict[int, str]:
    attempts = {n: sb.multi_failure_attempt_id(n) for n in FAILING}
    sb.faults.latency = latency
    return attempts


def _serve(latency: float, conn: Connection) -> None:
    """Child process: a sandbox with the bench's attempts, until the parent says stop."""
    with Sandbox() as sb:
        conn.send((sb.url, sb.api_key, _prepare(sb, latency)))
        conn.recv()


async def _measure(
    api_key: str, endpoints: Endpoints, attempt_id: str, runs: int
) -> tuple[list[float], list[int], int]:
    walls: list[float] = []
    counts: list[int] = []
    found = 0
    async with TDClient(api_key, endpoints) as td:
        for _ in range(runs):
            start = time.perf_counter()
            diagnosis = await diagnose_attempt(td, attempt_id)
            walls.append(time.perf_counter() - start)
            counts.append(diagnosis.request_count)
            found = len(diagnosis.failures)
    return walls, counts, found


async def _report(
    title: str,
    api_key: str,
    endpoints: Endpoints,
    attempts: dict[int, str],
    latency: float,
    runs: int,
) -> None:
    print(f"{title}: latency L = {latency:.3f} s, {runs} runs each")
    print(f"{'failing':>7} {'found':>5} {'wall/L med':>10} {'wall/L p90':>10} {'requests':>8}")
    for n, attempt_id in attempts.items():
        walls, counts, found = await _measure(api_key, endpoints, attempt_id, runs)
        ratios = [wall / latency for wall in walls]
        print(
            f"{n:>7} {found:>5} {statistics.median(ratios):>10.2f} {_p90(ratios):>10.2f} "
            f"{statistics.median(counts):>8.0f}"
        )


def main(latency: float, runs: int, in_process: bool) -> None:
    if in_process:
        with Sandbox() as sb:
            attempts = _prepare(sb, latency)
            asyncio.run(
                _report(
                    "sandbox in this process", sb.api_key, sb.endpoints(), attempts, latency, runs
                )
            )
        return
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(latency, child), daemon=True)
    server.start()
    try:
        url, api_key, attempts = parent.recv()
        endpoints = Endpoints(api=url, workflow=url, console=url, region=None)
        asyncio.run(
            _report("sandbox in its own process", api_key, endpoints, attempts, latency, runs)
        )
    finally:
        parent.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    if args.latency <= 0 or args.runs < 1:
        parser.error("--latency must be > 0 and --runs >= 1")
    main(args.latency, args.runs, args.in_process)
