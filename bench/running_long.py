"""Running long at its worst moment: ``--runs`` runs of one workflow pass their
``sla runtime`` in the same poll, then stay running.

The real poller with SilentAlerts over the sandbox (loopback HTTP, sandbox clock,
one poll per sandbox minute) and a SQLite store; a recording notifier stands for
Slack. Prints the TD requests of every poll, the wall time of the crossing poll
(the tasks of each run read once, the alerts claimed and posted as a digest) and
the median and max of the quiet polls that follow (nothing TD-side but the one
listing page; the open alerts cost no store read either).

    .venv/bin/python -m bench.running_long [--runs 50] [--polls 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient
from tests.alerts.silent_kit import PROJECT, WORKFLOW, Runs, silent_poller
from tests.fakes.notifier import RecordingNotifier

LIMIT = timedelta(minutes=10)


async def one(runs: int, polls: int) -> tuple[list[int], float, list[float], int]:
    with Sandbox(seed=7) as sandbox, tempfile.TemporaryDirectory() as files:
        async with (
            TDClient(sandbox.api_key, sandbox.endpoints()) as td,
            await Store.open(
                f"sqlite:///{Path(files) / 'bench.db'}", clock=sandbox.clock.now
            ) as store,
        ):
            notifier = RecordingNotifier()
            poller = silent_poller(td, store, notifier, sandbox)
            await poller.poll_once()
            await store.add_subscription("C0BENCH01", PROJECT, WORKFLOW, created_by="U1")
            await store.set_sla(PROJECT, None, runtime=LIMIT, set_by="U1")
            started = Runs(sandbox, td)
            for _ in range(runs):
                await started.start(hang=timedelta(hours=6))
            requests: list[int] = []
            seconds: list[float] = []
            for _ in range(polls):
                sandbox.advance(60)
                before = sandbox.requests.count()
                clock = time.perf_counter()
                await poller.poll_once()
                seconds.append(time.perf_counter() - clock)
                requests.append(sandbox.requests.count() - before)
            crossing = max(range(polls), key=lambda i: requests[i])
            quiet = [s for i, s in enumerate(seconds) if i > crossing + 1]
            return requests, seconds[crossing], quiet, len(notifier.messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--polls", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.runs} runs pass a {LIMIT} sla runtime in one poll; {args.polls} polls")
    print("run  requests/poll (quiet, crossing)  crossing ms  quiet median ms  quiet max ms  posts")
    for n in range(1, args.repeat + 1):
        requests, crossing, quiet, posts = asyncio.run(one(args.runs, args.polls))
        print(
            f"{n:3}  {statistics.median(requests):>13g}, {max(requests):>3}"
            f"{crossing * 1000:>28.0f}{statistics.median(quiet) * 1000:>17.1f}"
            f"{max(quiet) * 1000:>14.1f}{posts:>7}"
        )


if __name__ == "__main__":
    main()
