"""Silent failures at scale: the alert poll plus the schedule watcher on 2,000 scheduled
workflows (the silent-failure row of the alert benchmark).

    .venv/bin/python bench/silent.py [--minutes 40]

The account (its own process, as TD would be) has 2,000 extra workflows on daily
schedules (one at each minute of the day, two where the 2,000 wrap), each with a
learned baseline (5 good runs of 4-5 minutes, so a run is running long after 10
minutes). At 09:30 sandbox time the bot starts on a fresh store (first poll,
first schedule round: every page), then the account lives on a minute per poll
for ``--minutes``, with a schedule round every five polls
(``TDBOT_POLL_SECONDS=60``, ``TDBOT_SCHEDULE_SECONDS=300``):

- the 50 runs scheduled 09:31-10:20 hang: **running long** 10 minutes later;
- the first 20 of them are also under ``sla within 10h`` (session 00:00): **late**
  at 10:00;
- the 5 schedules due 10:21-10:25 stall: **not started** 30 minutes later;
- 5 schedules (due later in the day) are disabled at 09:45: **schedule disabled**.

It prints TD requests per poll (poll + its share of the rounds) per 10 minutes of
sandbox time, the first round's own cost, the delay from the moment each finding
became true (its limit crossed, its grace over, its disabling) to its post (sandbox
seconds to the poll or round that claimed it, plus wall seconds from that step's
start to the post), and the bot process's peak RSS.

With ``--fresh`` the store starts empty instead (a new "every project" subscription,
no baseline learned): the rounds seed baselines from TD's history (each bulk
workflow has about 10 past runs at TD), a few reads per round out of their budget,
and it prints how many were seeded; running long is then found only for the
hanging runs whose workflows were seeded in time (running ones are seeded first).

Targets: <= 3 requests per poll on average; running long within one poll interval
+ 1 s; late, not started, disabled within one schedule read (300 s) + 1 s; RSS <
150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from alerts import TimedNotifier  # bench/alerts.py, run from this directory like chaos.py

from bot.alerts import Poller, PollerConfig
from bot.alerts.findings import Finding, Late, NotStarted, Resolved, RunningLong, ScheduleDisabled
from bot.alerts.pacing import ChannelPacer
from bot.alerts.schedules import ScheduleWatcher, WatchConfig
from bot.alerts.silent import SilentAlerts, claim_key
from bot.alerts.silent_steps import SilentItem
from bot.sandbox import Sandbox, Scale
from bot.store import Store
from bot.store.baselines import GoodRun
from bot.td import Endpoints, TDClient

POLL = 60.0
ROUND = 300.0


def _serve(scale: Scale, conn: Connection) -> None:
    """Child process: the scheduled account, driven by (command, argument) messages."""
    with Sandbox(scale=scale) as sb:
        bulk = sorted(
            (p.name, w.name)
            for p in sb.world.store.projects.values()
            if p.name.startswith("bulk_")
            for w in p.workflows.values()
        )
        conn.send((sb.url, sb.api_key, bulk, sb.clock.now()))
        while True:
            command, argument = conn.recv()
            if command == "advance":
                sb.advance(argument)
                conn.send(sb.clock.now())
            elif command == "hang":
                for ref in argument:
                    sb.hang(ref)
                conn.send(None)
            elif command == "stall":
                for ref in argument:
                    sb.faults.stall_schedules(ref)
                conn.send(None)
            elif command == "disable":
                with sb.lock:
                    for ref in argument:
                        schedule = sb.world.store.schedules[int(sb.schedule_id(ref))]
                        sb.world.life.schedules.disable(schedule)
                conn.send(sb.clock.now())
            else:
                return


class TimedSilent(SilentAlerts):
    """SilentAlerts that notes, per alert, the sandbox time it was first claimed at."""

    claimed_at: dict[str, tuple[datetime, Finding]]

    async def claim(
        self, findings: Sequence[Finding], resolved: Sequence[Resolved]
    ) -> list[SilentItem]:
        now = self._clock()
        for finding in findings:
            self.claimed_at.setdefault(finding.key, (now, finding))
        return await super().claim(findings, resolved)


def _true_since(finding: Finding, claimed: datetime, disabled_at: datetime) -> datetime:
    """When the finding became true (its limit crossed)."""
    facts = finding.facts
    if isinstance(facts, RunningLong):
        return claimed - (facts.running_for - facts.limit)
    if isinstance(facts, Late):
        return facts.due_at
    if isinstance(facts, NotStarted):
        return facts.slot + facts.grace
    assert isinstance(facts, ScheduleDisabled)
    return disabled_at


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Steps:
    """TD requests of each poll (with the round it ran, if any) and each step's wall time."""

    requests: list[int] = field(default_factory=list)
    poll_requests: list[int] = field(default_factory=list)
    poll_pages: list[int] = field(default_factory=list)
    round_requests: list[int] = field(default_factory=list)
    seeded: int = 0  # baselines seeded from TD's history by the rounds
    began: dict[datetime, float] = field(default_factory=dict)  # sandbox time -> step start


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak so far, KiB


def _pick(bulk: list[tuple[str, str]], minutes: range) -> list[str]:
    """The workflows whose daily schedule fires at one of ``minutes`` (of the day)."""
    return [f"{p}/{w}" for p, w in bulk if int(w[4:]) % 1440 in minutes]


async def _run(
    conn: Connection,
    api_key: str,
    endpoints: Endpoints,
    bulk: list[tuple[str, str]],
    start: datetime,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, float]:
    clock = Clock(start)
    async with (
        TDClient(api_key, endpoints) as td,
        await Store.open(f"sqlite:///{workdir / 'silent.db'}", clock=clock) as store,
    ):
        projects = sorted({p for p, _ in bulk})
        for project in projects:
            await store.add_subscription("C0SILENT", project, created_by="UBENCH", now=start)
        # Learned baselines (none with --fresh), in slices: setup is not what is measured.
        learned = [] if args.fresh else bulk
        for at in range(0, len(learned), 100):
            await store.record_good_runs(
                [
                    GoodRun(f"{p}/{w}/{n}", p, w, timedelta(seconds=240 + 15 * n), start)
                    for p, w in learned[at : at + 100]
                    for n in range(5)
                ]
            )
        rss_setup = _rss_mb()
        hanging = _pick(bulk, range(571, 621))
        late = hanging[:20]
        stalled = _pick(bulk, range(621, 626))
        disabled = _pick(bulk, range(700, 705))
        for ref in late:
            project, workflow = ref.split("/")
            await store.set_sla(
                project, workflow, within=timedelta(hours=10), set_by="UBENCH", now=start
            )
        conn.send(("hang", hanging))
        conn.recv()
        conn.send(("stall", stalled))
        conn.recv()

        notifier = TimedNotifier()
        silent = TimedSilent(
            store=store,
            notifier=notifier,
            pacer=ChannelPacer(rate=10_000, burst=10_000),
            console=endpoints.console,
            clock=clock,
        )
        silent.claimed_at = {}
        watcher = ScheduleWatcher(
            td,
            store,
            silent,
            config=WatchConfig(
                schedule_seconds=ROUND, poll_seconds=POLL, seeds_per_round=args.seeds_per_round
            ),
            clock=clock,
        )
        poller = Poller(
            td,
            store,
            notifier,
            console=endpoints.console,
            config=PollerConfig(poll_seconds=POLL),
            clock=clock,
            silent=silent,
            observe=watcher.observe,
        )
        before = td.request_count
        await poller.poll_once()
        first_poll = td.request_count - before
        before = td.request_count
        steps = Steps()
        steps.seeded = (await watcher.round()).seeded
        first_round = td.request_count - before
        rss_started = _rss_mb()

        disabled_at = start
        for minute in range(1, args.minutes + 1):
            conn.send(("advance", POLL))
            clock.now = conn.recv()
            if clock.now.hour == 9 and clock.now.minute == 45:
                conn.send(("disable", disabled))
                disabled_at = conn.recv()
            before = td.request_count
            steps.began[clock.now] = time.time()
            report = await poller.poll_once()
            steps.poll_requests.append(report.td_requests)
            steps.poll_pages.append(report.pages)
            if minute % int(ROUND // POLL) == 0:
                round_report = await watcher.round()
                steps.round_requests.append(round_report.td_requests)
                steps.seeded += round_report.seeded
            steps.requests.append(td.request_count - before)

    delays: dict[str, list[float]] = {}
    for claimed, finding in silent.claimed_at.values():
        since = _true_since(finding, claimed, disabled_at)
        posted = notifier.posted_at.get(claim_key(finding.key))
        began = steps.began.get(claimed)
        wall = posted - began if posted is not None and began is not None else 0.0
        kind = finding.kind.value
        delays.setdefault(kind, []).append((claimed - since).total_seconds() + wall)
    windows = [
        statistics.mean(steps.requests[i : i + 10]) for i in range(0, len(steps.requests), 10)
    ]
    result = {
        "first_poll": float(first_poll),
        "first_round": float(first_round),
        "requests_mean": statistics.mean(steps.requests),
        "requests_worst_10min": max(windows),
        "poll_requests": statistics.mean(steps.poll_requests),
        "poll_pages": statistics.mean(steps.poll_pages),
        "round_requests": statistics.mean(steps.round_requests or [0]),
        "seeded": float(steps.seeded),
        "rounds": float(len(steps.round_requests) + 1),
        "peak_rss_mb": _rss_mb(),
        "rss_setup_mb": rss_setup,
        "rss_started_mb": rss_started,
    }
    for kind, values in sorted(delays.items()):
        result[f"{kind}_count"] = float(len(values))
        result[f"{kind}_max_s"] = max(values)
    return result


async def bench(args: argparse.Namespace) -> None:
    scale = Scale(workflows=args.workflows, attempts=args.attempts, schedules=True)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(scale, child), daemon=True)
    server.start()
    url, api_key, bulk, start = parent.recv()
    endpoints = Endpoints(api=url, workflow=url, console=url, region=None)
    print(
        f"silent: {len(bulk)} scheduled workflows "
        f"{'without' if args.fresh else 'with'} baselines; poll {POLL:g}s, "
        f"schedule round {ROUND:g}s; {args.minutes} min of sandbox time"
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            r = await _run(parent, api_key, endpoints, bulk, start, args, Path(tmp))
    finally:
        parent.send(("stop", None))
        server.join(10)
    print(
        f"first poll {r['first_poll']:.0f} requests, first round {r['first_round']:.0f}; "
        f"then requests/poll {r['requests_mean']:.2f} on average, "
        f"{r['requests_worst_10min']:.2f} in the worst 10 minutes"
    )
    print(
        f"  of which the poll {r['poll_requests']:.2f} ({r['poll_pages']:.2f} attempt pages), "
        f"a schedule round {r['round_requests']:.1f} (every {ROUND / POLL:g} polls)"
    )
    if args.fresh:
        print(
            f"  baselines seeded from TD's history: {r['seeded']:.0f} of {len(bulk)} "
            f"workflows in {r['rounds']:.0f} rounds"
        )
    limits = {"running_long": POLL + 1, "late": ROUND + 1, "not_started": ROUND + 1}
    for kind in ("running_long", "late", "not_started", "schedule_disabled"):
        if f"{kind}_count" not in r:
            print(f"{kind:>17}: none found")
            continue
        limit = limits.get(kind, ROUND + 1)
        worst = r[f"{kind}_max_s"]
        print(
            f"{kind:>17}: {r[f'{kind}_count']:.0f} found, worst delay {worst:.1f}s "
            f"(target <= {limit:g}s: {worst <= limit})"
        )
    print(
        f"targets: requests/poll {r['requests_mean']:.2f} <= 3: {r['requests_mean'] <= 3}; "
        f"RSS {r['peak_rss_mb']:.0f} MB < 150: {r['peak_rss_mb'] < 150} (peak after the "
        f"baselines were stored {r['rss_setup_mb']:.0f} MB, after the first poll and round "
        f"{r['rss_started_mb']:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=90, help="sandbox minutes after start")
    parser.add_argument("--workflows", type=int, default=2000)
    parser.add_argument("--attempts", type=int, default=20000)
    parser.add_argument("--seeds-per-round", type=int, default=WatchConfig.seeds_per_round)
    parser.add_argument(
        "--fresh", action="store_true", help="no baselines stored: seeded from TD's history"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
