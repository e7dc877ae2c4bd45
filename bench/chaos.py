"""Chaos, measured: replicas of ``tdbot serve --http`` killed while TD and Slack misbehave.

``--replicas`` real ``tdbot serve --http`` processes share one throwaway
PostgreSQL, one sandbox TD account (in its own process, its clock advanced by
the bench) and one fake Slack Web API (with history and metadata, as the
exactly-once lookup needs). Channels subscribe to the account's projects with
signed ``/td subscribe`` requests. Then, for ``--seconds`` of wall time:

- ``--failures`` failed attempts are injected, and ``--recoveries`` of those
  already alerted are retried with success (recovery replies, parents edited);
- TD answers 5xx in bursts, Slack answers 429 to posts and edits for stretches;
- a random replica is SIGKILLed and restarted (same port) every ``--kill-every`` s;
- signed ``/td job <id>`` / ``/td attempt <id>`` go to random replicas; a replica
  that refuses the connection is skipped for another, as a load balancer would.

Then the chaos stops and the system settles (``--settle`` s at most). Expected
alerts come from the sandbox's own record of what finished during the run:
each failed attempt once per subscribed channel, each successful retry of a
session that failed during the run once (as a recovery). Slack's copy is
counted by the metadata marks each message carries.

    .venv/bin/python bench/chaos.py [--failures 500] [--recoveries 200] [--seconds 120]

Targets: 0 lost, 0 duplicated, every command answered (an error is an answer).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import signal
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from chaos_cast import (
    ChaosSlack,
    Commands,
    Finished,
    Replica,
    SandboxProcess,
    replica_env,
    start_sandbox,
    until_polled,
    wait_ready,
)

from bot.store import Store
from tests.alerts.chat_fakes import marks_of
from tests.service.harness import ADMIN, free_port
from tests.support.postgres import PostgresServer, start_postgres

# ---------------------------------------------------------------- the run


@dataclass
class Chaos:
    args: argparse.Namespace
    sb: SandboxProcess
    slack: ChaosSlack
    replicas: list[Replica]
    commands: Commands
    http: httpx.AsyncClient
    failed_ids: list[str] = field(default_factory=list)
    retried: dict[str, str] = field(default_factory=dict)  # failed id -> retry id
    kills: list[tuple[float, int]] = field(default_factory=list)
    bursts: int = 0
    stretches: int = 0
    ended: float = 0.0  # time.monotonic() when the chaos stopped
    settled: float = 0.0  # seconds from then until every alert was in

    def seen_marks(self) -> set[str]:
        return {mark for m in self.slack.posted() for mark in marks_of(m)}

    async def inject(self, until: float) -> None:
        """Failures in small batches spread over the run, the clock moving on between them."""
        batches = max(1, int(self.args.seconds))
        for n in range(batches):
            count = self.args.failures * (n + 1) // batches - self.args.failures * n // batches
            if count:
                self.failed_ids += await self.sb.ask("inject", count)
            await self.advance(1.0)
            await asyncio.sleep(max(0.0, (until - time.monotonic()) / (batches - n)))

    async def recover(self, until: float) -> None:
        """Retry (successfully) failures whose alert Slack already shows."""
        while len(self.retried) < self.args.recoveries and time.monotonic() < until + 30:
            seen = self.seen_marks()
            ready = [i for i in self.failed_ids if i in seen and i not in self.retried]
            left = until - time.monotonic()
            per_round = self.args.recoveries if left <= 0 else max(1, len(ready) // 4)
            for attempt_id in ready[: min(per_round, self.args.recoveries - len(self.retried))]:
                self.retried[attempt_id] = await self.sb.ask("retry", attempt_id)
            await self.advance(0.0)
            await asyncio.sleep(0.5)

    async def advance(self, seconds: float) -> None:
        # Runs the retries' tasks to the end too: a success needs sandbox time.
        await self.http.post(f"{self.sb.url}/_sandbox/advance", json={"seconds": seconds + 60})

    async def td_bursts(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(random.uniform(3, 8))
            n = random.randint(5, 30)
            await self.http.post(
                f"{self.sb.url}/_sandbox/faults",
                json={"fail": {"n": n, "status": random.choice([500, 502, 503])}},
            )
            self.bursts += 1

    async def slack_stretches(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(random.uniform(5, 12))
            self.slack.rate_limit_for(random.uniform(2, 5))
            self.stretches += 1

    async def kill_loop(self, until: float) -> None:
        while time.monotonic() + self.args.kill_every < until:
            await asyncio.sleep(self.args.kill_every)
            replica = random.choice(self.replicas)
            replica.kill()
            self.kills.append((time.monotonic(), replica.index))
            replica.start()

    async def ask_loop(self, until: float) -> None:
        jobs: list[str] = await self.sb.ask("jobs", 200)
        while time.monotonic() < until:
            if self.failed_ids and random.random() < 0.5:
                text = f"attempt {random.choice(self.failed_ids)}"
            else:
                text = f"job {random.choice(jobs)}"
            await self.commands.send(text)
            await asyncio.sleep(1 / self.args.commands_per_second)


def channel_for(project: str, channels: int) -> str:
    return f"C{zlib.crc32(project.encode()) % channels:04d}CHAOS"


async def subscribe(chaos: Chaos, channels: int) -> None:
    for project in chaos.sb.projects:
        channel = channel_for(project, channels)
        await chaos.commands.send(f"subscribe {project}", user=ADMIN, channel=channel)
    want = set(chaos.commands.sent)
    await until_true(lambda: want <= chaos.commands.answered(), 60, "subscriptions")
    chaos.commands.sent.clear()


async def until_true(done: Callable[[], bool], within: float, what: str) -> bool:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            print(f"  (gave up waiting for {what} after {within:g}s)")
            return False
        await asyncio.sleep(0.5)
    return True


# ---------------------------------------------------------------- the figures


def expected_marks(
    finished: list[Finished], channel_of: dict[str, str]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(channel, mark) of every failure and every recovery the run calls for."""
    failures: set[tuple[str, str]] = set()
    recoveries: set[tuple[str, str]] = set()
    failed_sessions: set[str] = set()
    for attempt_id, project, session, index, status in sorted(finished, key=lambda a: int(a[0])):
        channel = channel_of[project]
        if status in ("error", "killed"):
            failures.add((channel, attempt_id))
            failed_sessions.add(session)
        elif status == "success" and index > 1 and session in failed_sessions:
            recoveries.add((channel, attempt_id))
            failed_sessions.discard(session)
    return failures, recoveries


def report(chaos: Chaos, finished: list[Finished], seconds: float) -> bool:
    failures, recoveries = expected_marks(
        finished, {p: channel_for(p, chaos.args.channels) for p in chaos.sb.projects}
    )
    expected = failures | recoveries
    posted = chaos.slack.posted()
    seen = Counter((m["channel"], mark) for m in posted for mark in marks_of(m))
    lost = expected - set(seen)
    duplicated = {key: n for key, n in seen.items() if n > 1}
    # A single alert's full diagnosis is its thread's first reply, marked "<attempt>:diagnosis".
    diagnoses = {(ch, m) for ch, m in seen if m.endswith(":diagnosis")}
    orphan_diagnoses = {
        (ch, m) for ch, m in diagnoses if (ch, m.removesuffix(":diagnosis")) not in expected
    }
    unexpected = (set(seen) - expected - diagnoses) | orphan_diagnoses
    replies = {
        (m["channel"], mark) for m in posted if m["thread_ts"] is not None for mark in marks_of(m)
    }
    edited = sum(1 for m in posted if m.get("edited"))
    answered = chaos.commands.answered()
    unanswered = sorted(set(chaos.commands.sent) - answered)
    print(
        f"chaos: {seconds:.0f}s, {len(chaos.kills)} kills, {chaos.bursts} TD 5xx bursts, "
        f"{chaos.stretches} Slack 429 stretches; {len(chaos.failed_ids)} failures injected, "
        f"{len(chaos.retried)} retried; every alert in {chaos.settled:.0f}s after the chaos"
    )
    kinds = f"{len(failures)} failures + {len(recoveries)} recoveries"
    print(f"alerts expected   {len(expected)} ({kinds})")
    print(f"alerts delivered  {len(expected & set(seen))}")
    print(f"alerts lost       {len(lost)}")
    print(f"alerts duplicated {len(duplicated)}")
    print(f"unexpected marks  {len(unexpected)}")
    print(f"diagnosis replies {len(diagnoses)} (one under each alert posted on its own)")
    applied = len(recoveries & replies)
    print(f"recoveries applied {applied} of {len(recoveries)} (parents edited: {edited})")
    sent = len(chaos.commands.sent) + chaos.commands.unsent
    print(f"slash commands answered {len(answered)} / sent {sent}")
    for channel, mark in sorted(lost)[:20]:
        print(f"  lost {channel} {mark}")
    for (channel, mark), n in sorted(duplicated.items())[:20]:
        print(f"  duplicated {channel} {mark} x{n}")
    for hook in unanswered[:20]:
        index, at = chaos.commands.sent[hook]
        killed = [round(t - at, 1) for t, i in chaos.kills if i == index and t >= at]
        print(f"  unanswered {hook} on replica {index}; its next kill {killed[:1]} s after sending")
    return not lost and not duplicated and not unanswered and not chaos.commands.unsent


async def run(args: argparse.Namespace, pg: PostgresServer, logs: Path) -> bool:
    sb = start_sandbox()
    url, projects = sb.url, sb.projects
    replicas: list[Replica] = []
    try:
        db = pg.create_database()
        # One schema before the replicas race to create it.
        async with await Store.open(db):
            pass
        slack = ChaosSlack()
        with slack:
            async with httpx.AsyncClient(timeout=30) as http:
                env = replica_env(sb, slack, db, args.poll)
                replicas = [Replica(i, free_port(), env, logs) for i in range(args.replicas)]
                for replica in replicas:
                    replica.start()
                for replica in replicas:
                    await wait_ready(http, replica)
                chaos = Chaos(args, sb, slack, replicas, Commands(replicas, slack, http), http)
                await subscribe(chaos, args.channels)
                await until_polled(http, replicas)
                start = (await http.post(f"{url}/_sandbox/advance", json={"seconds": 0})).json()
                began = time.monotonic()
                until = began + args.seconds
                await asyncio.gather(
                    chaos.inject(until),
                    chaos.recover(until),
                    chaos.td_bursts(until),
                    chaos.slack_stretches(until),
                    chaos.kill_loop(until),
                    chaos.ask_loop(until),
                )
                await http.post(f"{url}/_sandbox/reset-faults")
                # Settled: every alert of the run and every answer is in (or --settle ran out).
                finished = await sb.ask("finished_since", datetime.fromisoformat(start["now"]))
                failures, recoveries = expected_marks(
                    finished, {p: channel_for(p, args.channels) for p in projects}
                )
                want = failures | recoveries

                def delivered() -> bool:
                    seen = {(m["channel"], k) for m in slack.posted() for k in marks_of(m)}
                    return want <= seen

                def answered() -> bool:
                    return set(chaos.commands.sent) <= chaos.commands.answered()

                chaos.ended = time.monotonic()
                await until_true(delivered, args.settle, "every alert")
                chaos.settled = time.monotonic() - chaos.ended
                await until_true(answered, 30, "every answer")  # TD is well again by now
                await asyncio.sleep(args.poll * 3 + 2)  # room for a late duplicate to show up
                return report(chaos, finished, chaos.ended - began)
    finally:
        for replica in replicas:
            replica.kill()
        sb.stop()


async def bench(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="tdbot-chaos-") as tmp:
        pg = start_postgres()
        try:
            ok = await run(args, pg, Path(tmp))
        finally:
            pg.stop()
            if args.keep_logs:
                keep = tempfile.mkdtemp(prefix="tdbot-chaos-logs-")
                kept = shutil.copytree(tmp, keep, dirs_exist_ok=True)
                print(f"replica logs: {kept}")
    print(f"targets (0 lost, 0 duplicated, every command answered): {'met' if ok else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failures", type=int, default=500)
    parser.add_argument("--recoveries", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0, help="wall time of the chaos")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--poll", type=float, default=1.0, help="TDBOT_POLL_SECONDS")
    parser.add_argument("--kill-every", type=float, default=10.0, help="seconds between kills")
    parser.add_argument("--commands-per-second", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=300.0, help="seconds to settle, at most")
    parser.add_argument("--keep-logs", action="store_true", help="keep the replicas' logs")
    args = parser.parse_args()
    if args.recoveries > args.failures:
        parser.error("--recoveries cannot exceed --failures")
    # Ctrl-C and SIGTERM end the run through the finally blocks above (SIGINT too when
    # started in the background, where the shell has it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        ok = asyncio.run(bench(args))
    except KeyboardInterrupt:
        print("interrupted: every process stopped, every temp dir removed")
        sys.exit(130)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
