"""Diagnosis wall time and request count against the sandbox with injected latency.

The engine's chain is attempt/tasks/retries/log list -> logs + jobs + history
(a job only a log names is read in a third round only when the log does not say how
it ended), every failing task examined and the TD client bounding the requests in
flight, so wall time should stay near 2 x latency whether 1 or 100 tasks failed.
For each count of failing tasks it prints wall/L (median, min, p90, max over the
runs), the TD requests, and how many failing tasks were found and got evidence.
The sandbox runs in its own process (as TD would be) or, with ``--in-process``, in
this one (its CPU then adds up). A count that misses its target is flagged
``MISSED``; the exit status is 1 only when a failing task was not examined (so
``make bench`` goes on to the others).

    .venv/bin/python bench/diagnosis.py [--tasks 1,5,20,100] [--latency 0.2] [--runs 7]
        [--max-concurrency 256] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script too

from bot.diagnosis import diagnose_attempt
from bot.sandbox import Sandbox
from bot.td import DEFAULT_MAX_CONCURRENCY, Endpoints, TDClient

TASKS = (1, 5, 20, 100)
TARGET = 3.0  # x L, any count of failing tasks
TARGET_ONE = 2.2  # x L, one failing td> task


@dataclass(frozen=True)
class Row:
    failing: int
    found: int
    with_evidence: int
    ratios: list[float]  # wall / L per run
    requests: list[int]

    @property
    def target(self) -> float:
        return TARGET_ONE if self.failing == 1 else TARGET

    @property
    def complete(self) -> bool:
        return self.found == self.with_evidence == self.failing

    @property
    def on_target(self) -> bool:
        return statistics.median(self.ratios) <= self.target


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _prepare(sb: Sandbox, latency: float, tasks: tuple[int, ...]) -> dict[int, str]:
    attempts = {n: sb.multi_failure_attempt_id(n) for n in tasks}
    sb.faults.latency = latency
    return attempts


def _serve(latency: float, tasks: tuple[int, ...], conn: Connection) -> None:
    """Child process: a sandbox with the bench's attempts, until the parent says stop."""
    with Sandbox() as sb:
        conn.send((sb.url, sb.api_key, _prepare(sb, latency, tasks)))
        conn.recv()


async def _measure(td: TDClient, failing: int, attempt_id: str, latency: float, runs: int) -> Row:
    ratios: list[float] = []
    counts: list[int] = []
    found = with_evidence = 0
    for _ in range(runs):
        start = time.perf_counter()
        diagnosis = await diagnose_attempt(td, attempt_id)
        ratios.append((time.perf_counter() - start) / latency)
        counts.append(diagnosis.request_count)
        found = len(diagnosis.failures)
        with_evidence = sum(1 for failure in diagnosis.failures if failure.evidence)
    return Row(failing, found, with_evidence, ratios, counts)


async def _report(
    title: str,
    api_key: str,
    endpoints: Endpoints,
    attempts: dict[int, str],
    latency: float,
    runs: int,
    max_concurrency: int,
) -> bool:
    print(
        f"{title}: latency L = {latency:.3f} s, {runs} runs each, "
        f"at most {max_concurrency} TD requests in flight"
    )
    print(
        f"{'failing':>7} {'found':>5} {'evidence':>8} {'wall/L med':>10} {'min':>5} "
        f"{'p90':>5} {'max':>5} {'target':>6} {'requests':>8}"
    )
    ok = True
    async with TDClient(api_key, endpoints, max_concurrency=max_concurrency) as td:
        for failing, attempt_id in attempts.items():
            row = await _measure(td, failing, attempt_id, latency, runs)
            ok = ok and row.complete
            print(
                f"{row.failing:>7} {row.found:>5} {row.with_evidence:>8} "
                f"{statistics.median(row.ratios):>10.2f} {min(row.ratios):>5.2f} "
                f"{_p90(row.ratios):>5.2f} {max(row.ratios):>5.2f} {row.target:>6.1f} "
                f"{statistics.median(row.requests):>8.0f}{'' if row.on_target else '  MISSED'}"
                f"{'' if row.complete else '  NOT ALL EXAMINED'}"
            )
    return ok


def main(
    latency: float, runs: int, tasks: tuple[int, ...], max_concurrency: int, in_process: bool
) -> bool:
    if in_process:
        with Sandbox() as sb:
            attempts = _prepare(sb, latency, tasks)
            return asyncio.run(
                _report(
                    "sandbox in this process",
                    sb.api_key,
                    sb.endpoints(),
                    attempts,
                    latency,
                    runs,
                    max_concurrency,
                )
            )
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(latency, tasks, child), daemon=True)
    server.start()
    try:
        url, api_key, attempts = parent.recv()
        endpoints = Endpoints(api=url, workflow=url, console=url, region=None)
        return asyncio.run(
            _report(
                "sandbox in its own process",
                api_key,
                endpoints,
                attempts,
                latency,
                runs,
                max_concurrency,
            )
        )
    finally:
        parent.send("stop")
        server.join(timeout=10)


def _counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of counts >= 1, e.g. 1,5,20")
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=_counts, default=TASKS, help="failing tasks, e.g. 1,5,20")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    if args.latency <= 0 or args.runs < 1 or args.max_concurrency < 1:
        parser.error("--latency must be > 0, --runs and --max-concurrency >= 1")
    passed = main(args.latency, args.runs, args.tasks, args.max_concurrency, args.in_process)
    sys.exit(0 if passed else 1)
