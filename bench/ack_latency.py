"""Slash-command ack latency, answer latency and CPU of the HTTP endpoint under load.

Starts the sandbox TD account (adding --td-latency seconds to every TD request),
the bot's real ASGI app under uvicorn (GC settled as `tdbot serve` does) twice:
as `tdbot serve` builds it (``open_service``: a SQLite store that records each
slash command before the ack, the alert loop running, the per-user rate limit
raised so that every command gets its real answer) and, for comparison, without
a store (``build_bot``); and a bare endpoint that only checks Slack's signature
(the floor any Slack app pays). Each runs in its own process as in production
(so they do not share a GIL with each other or with the load), and the fake
Slack Web API here, all on loopback. Then fires --requests signed /td commands,
--concurrency at a time, at each endpoint in turn, for --runs runs. Prints per run
and overall:

- ack: request sent -> HTTP 200 (Slack's limit is 3 s), for the bot and the bare endpoint
- answer: request sent -> the bot's answer arriving at the command's response_url
- CPU per command of each server process (ack + answer), and the bot's longest GC pause

Targets (exit status 1 when one is missed), for either bot: ack p99 at most
2x the bare endpoint's and under --target-ms; CPU at most --cpu-ms per command;
no GC pause over --gc-ms.

    .venv/bin/python bench/ack_latency.py [--requests 200] [--concurrency 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import itertools
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fakes

from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.ops.gc import PauseWatch, settle_after_start
from bot.sandbox import Sandbox
from bot.service import open_service
from bot.slack import build_bot
from bot.td import Endpoints, TDClient
from tests.fakes import slack_requests
from tests.fakes.serve import serve_in_loop, serve_in_thread
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import SIGNING_SECRET, bot_settings


@dataclass
class Sample:
    hook: str
    sent: float
    acked: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def commands_for(api_key: str, endpoints: Endpoints) -> list[str]:
    """A realistic mix, with ids read from the sandbox through the TD API."""
    async with TDClient(api_key, endpoints) as td:
        jobs = await td.jobs(limit=20)
        attempts = await td.attempts_page(page_size=20)
    texts = [f"job {j.job_id}" for j in jobs[:10]]
    texts += [f"attempt {a.id}" for a in attempts[:10]]
    texts += [f"session {a.session_id}" for a in attempts[:5]]
    texts += ["jobs 10", "jobs error 5"]
    return texts


async def one_run(
    url: str,
    slack: FakeSlackAPI,
    texts: list[str],
    requests: int,
    concurrency: int,
    *,
    answers_expected: bool = True,
) -> tuple[list[float], list[float]]:
    slack.clear()
    gate = asyncio.Semaphore(concurrency)
    samples: list[Sample] = []
    hooks = itertools.count()

    async def fire(http: aiohttp.ClientSession, text: str) -> None:
        hook = f"/hooks/bench-{next(hooks)}"
        body = slack_requests.slash_command(text, slack.base_url + hook)
        headers = slack_requests.signed_headers(SIGNING_SECRET, body, slack_requests.FORM)
        async with gate:
            sent = time.monotonic()
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as reply:
                await reply.read()
                acked = time.monotonic()
        reply.raise_for_status()
        samples.append(Sample(hook, sent, acked))

    # aiohttp rather than httpx here: the load generator must not be the bottleneck.
    connector = aiohttp.TCPConnector(limit=concurrency)
    with collector_paused():
        async with aiohttp.ClientSession(connector=connector) as http:
            await asyncio.gather(*(fire(http, texts[i % len(texts)]) for i in range(requests)))
    ack = [(s.acked - s.sent) * 1000 for s in samples]
    answers: list[float] = []
    for sample in samples if answers_expected else ():
        [call] = await slack.wait_for(sample.hook, timeout=60)
        answers.append((call.at - sample.sent) * 1000)
    return ack, answers


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the load generator while it times requests: a pause
    of its own (it holds every fake Slack call and sample) would be counted as the
    server's latency, in whichever run it happened to fall (up to 80 ms seen)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:>7}: p50 {percentile(values, 50):7.1f} ms  p99 {percentile(values, 99):7.1f} ms  "
        f"max {max(values):7.1f} ms  mean {statistics.fmean(values):7.1f} ms"
    )


def _sandbox_process(latency: float, conn: Connection) -> None:
    with Sandbox() as sandbox:
        sandbox.start()
        sandbox.faults.latency = latency
        conn.send((sandbox.api_key, sandbox.endpoints()))
        conn.recv()  # until the parent says stop


def _serve(asgi: Any, conn: Connection, watch: PauseWatch | None) -> None:
    with serve_in_thread(asgi) as url:
        conn.send(url)
        # Answer CPU-time queries until told to stop: CPU per command does not
        # depend on what else the machine is running, latency does.
        while conn.recv() == "cpu":
            pause = max(watch.pauses, default=0.0) if watch else 0.0
            conn.send((time.process_time(), pause))
            if watch:
                watch.pauses.clear()


def _bot_process(
    api_key: str, endpoints: Endpoints, slack_api: str, slack_token: str, conn: Connection
) -> None:
    settings = bot_settings(api_key, endpoints, slack_api, slack_token)
    bot = build_bot(settings)
    settle_after_start()  # as `tdbot serve` does once it has started
    watch = PauseWatch()
    watch.start()
    _serve(bot.asgi, conn, watch)


def _served_process(
    api_key: str, endpoints: Endpoints, slack_api: str, slack_token: str, conn: Connection
) -> None:
    """The bot as `tdbot serve` builds it: store, alert loop, Slack app on one loop."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(
            bot_settings(api_key, endpoints, slack_api, slack_token),
            database_url=f"sqlite:///{tmp}/tdbot.db",
            rate_per_minute=60_000.0,  # one bench user sends them all
            rate_burst=10_000,
        )
        asyncio.run(_served(settings, conn))


async def _served(settings: Any, conn: Connection) -> None:
    async with open_service(settings) as service:
        service.start()
        settle_after_start()
        watch = PauseWatch(on_pause=service.metrics.gc_pause.observe)
        watch.start()
        async with serve_in_loop(service.bot.asgi) as url:
            conn.send(url)
            while await asyncio.to_thread(conn.recv) == "cpu":
                conn.send((time.process_time(), max(watch.pauses, default=0.0)))
                watch.pauses.clear()


def _bare_process(conn: Connection) -> None:
    """The floor: verify Slack's signature, answer 200, nothing else."""
    verifier = SignatureVerifier(SIGNING_SECRET)

    async def events(request: Request) -> Response:
        body = await request.body()
        valid = verifier.is_valid(
            body,
            request.headers.get("x-slack-request-timestamp", ""),
            request.headers.get("x-slack-signature", ""),
        )
        return Response(status_code=200 if valid else 401)

    _serve(Starlette(routes=[Route("/slack/events", events, methods=["POST"])]), conn, None)


@contextlib.contextmanager
def child(target: Callable[..., None], *args: object) -> Iterator[Connection]:
    here, there = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, there))
    process.start()
    try:
        yield here
    finally:
        here.send("stop")
        process.join(30)


@dataclass
class Figures:
    ack: list[float]
    answers: list[float]
    cpu_ms: list[float]
    gc_ms: list[float]


async def measured(
    server: Connection,
    url: str,
    slack: FakeSlackAPI,
    texts: list[str],
    args: argparse.Namespace,
    figures: Figures,
    *,
    answers_expected: bool,
) -> None:
    server.send("cpu")
    cpu_before, _ = server.recv()
    ack, answers = await one_run(
        url, slack, texts, args.requests, args.concurrency, answers_expected=answers_expected
    )
    server.send("cpu")
    cpu_after, gc_pause = server.recv()
    figures.ack += ack
    figures.answers += answers
    figures.cpu_ms.append((cpu_after - cpu_before) * 1000 / args.requests)
    figures.gc_ms.append(gc_pause * 1000)


async def main(args: argparse.Namespace) -> int:
    served, bot, bare = (Figures([], [], [], []) for _ in range(3))
    with FakeSlackAPI() as slack, child(_sandbox_process, args.td_latency) as sandbox:
        api_key, endpoints = sandbox.recv()
        texts = await commands_for(api_key, endpoints)
        slack_args = (api_key, endpoints, slack.api_url, slack.token)
        with (
            child(_served_process, *slack_args) as served_conn,
            child(_bot_process, *slack_args) as bot_conn,
            child(_bare_process) as bare_conn,
        ):
            servers = [
                ("served", served_conn, served_conn.recv(), served, True),
                ("bot", bot_conn, bot_conn.recv(), bot, True),
                ("bare", bare_conn, bare_conn.recv(), bare, False),
            ]
            for _, _, url, _, answers in servers:  # warm-up
                await one_run(url, slack, texts, 50, args.concurrency, answers_expected=answers)
            print(
                f"{args.requests} signed /td commands, {args.concurrency} at a time, "
                f"TD latency {args.td_latency * 1000:.0f} ms, {args.runs} runs; "
                "served: as `tdbot serve` (SQLite store, alert loop); bot: no store; "
                "bare: the signature check only"
            )
            for run in range(1, args.runs + 1):
                before = len(bare.ack)
                for _, conn, url, figures, answers in servers:
                    await measured(conn, url, slack, texts, args, figures, answers_expected=answers)
                print(
                    f"run {run}: CPU per command: served {served.cpu_ms[-1]:.2f} ms, "
                    f"bot {bot.cpu_ms[-1]:.2f} ms, bare {bare.cpu_ms[-1]:.2f} ms; longest GC "
                    f"pause: served {served.gc_ms[-1]:.1f} ms, bot {bot.gc_ms[-1]:.1f} ms"
                )
                for name, _, _, figures, answers in servers:
                    print(line(f"{name} ack", figures.ack[before:]))
                    if answers:
                        print(line(f"{name} answer", figures.answers[before:]))
    print("overall")
    for name, figures in (("served", served), ("bot", bot), ("bare", bare)):
        print(line(f"{name} ack", figures.ack))
        if figures.answers:
            print(line(f"{name} answer", figures.answers))
        print(f"{name} CPU per command, median of runs: {statistics.median(figures.cpu_ms):.2f} ms")
    bare_p99 = percentile(bare.ack, 99)
    checks = []
    for name, figures in (("served", served), ("bot", bot)):
        p99 = percentile(figures.ack, 99)
        cpu = statistics.median(figures.cpu_ms)
        gc_max = max(figures.gc_ms)
        checks += [
            (f"{name} ack p99 {p99:.1f} ms <= 2 x bare p99 {bare_p99:.1f} ms", p99 <= 2 * bare_p99),
            (f"{name} ack p99 {p99:.1f} ms < {args.target_ms:g} ms", p99 < args.target_ms),
            (f"{name} CPU {cpu:.2f} ms per command <= {args.cpu_ms:g} ms", cpu <= args.cpu_ms),
            (f"{name} longest GC pause {gc_max:.1f} ms <= {args.gc_ms:g} ms", gc_max <= args.gc_ms),
        ]
    for text, met in checks:
        print(f"{'met   ' if met else 'MISSED'} {text}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--td-latency", type=float, default=0.1, help="seconds per TD request")
    parser.add_argument("--target-ms", type=float, default=30.0)
    parser.add_argument("--cpu-ms", type=float, default=2.5)
    parser.add_argument("--gc-ms", type=float, default=20.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
