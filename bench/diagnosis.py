"""Diagnosis wall time and request count against the sandbox with injected latency.

The engine's chain is attempt/tasks/retries/log list -> logs + jobs + history ->
(job found only in a log, last good revision), so wall time should stay near
3 x latency whether 1 or 20 tasks failed. Prints wall/L (median, p90) and the
request counts for 1, 5 and 20 failing tasks.

    .venv/bin/python -m bench.diagnosis [--latency 0.2] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bot.diagnosis import diagnose_attempt
from bot.sandbox import Sandbox
from bot.td import TDClient

FAILING = (1, 5, 20)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


async def _measure(sb: Sandbox, attempt_id: str, runs: int) -> tuple[list[float], list[int], int]:
    walls: list[float] = []
    counts: list[int] = []
    failures = 0
    async with TDClient(sb.api_key, sb.endpoints()) as td:
        for _ in range(runs):
            start = time.perf_counter()
            diagnosis = await diagnose_attempt(td, attempt_id, console_base=sb.url)
            walls.append(time.perf_counter() - start)
            counts.append(diagnosis.request_count)
            failures = len(diagnosis.failures)
    return walls, counts, failures


async def main(latency: float, runs: int) -> None:
    with Sandbox() as sb:
        attempts = {n: sb.multi_failure_attempt_id(n) for n in FAILING}
        sb.faults.latency = latency
        print(f"latency L = {latency:.3f} s, {runs} runs each")
        print(f"{'failing':>7} {'found':>5} {'wall/L med':>10} {'wall/L p90':>10} {'requests':>8}")
        for n, attempt_id in attempts.items():
            walls, counts, found = await _measure(sb, attempt_id, runs)
            ratios = [wall / latency for wall in walls]
            print(
                f"{n:>7} {found:>5} {statistics.median(ratios):>10.2f} {_p90(ratios):>10.2f} "
                f"{statistics.median(counts):>8.0f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.latency <= 0 or args.runs < 1:
        parser.error("--latency must be > 0 and --runs >= 1")
    asyncio.run(main(args.latency, args.runs))
