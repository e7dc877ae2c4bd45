"""Slash-command ack latency and answer latency of the HTTP endpoint under load.

Starts the sandbox TD account (adding --td-latency seconds to every TD request)
and the bot's real ASGI app under uvicorn, each in its own process as in
production (so they do not share a GIL with each other or with the load), and
the fake Slack Web API here, all on loopback. Then fires --requests signed /td
commands, --concurrency at a time, for --runs runs. Prints per run and overall:

- ack: request sent -> HTTP 200 from the bot (Slack's limit is 3 s)
- answer: request sent -> the answer arriving at the command's response_url

Exit status 1 when the overall ack p99 misses --target-ms.

    .venv/bin/python bench/ack_latency.py [--requests 200] [--concurrency 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fakes

from bot.sandbox import Sandbox
from bot.slack import build_bot
from bot.td import Endpoints, TDClient
from tests.fakes import slack_requests
from tests.fakes.serve import serve_in_thread
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
    url: str, slack: FakeSlackAPI, texts: list[str], requests: int, concurrency: int
) -> tuple[list[float], list[float]]:
    slack.clear()
    gate = asyncio.Semaphore(concurrency)
    samples: list[Sample] = []
    hooks = itertools.count()
    # aiohttp rather than httpx here: the load generator must not be the bottleneck.
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def fire(text: str) -> None:
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

        await asyncio.gather(*(fire(texts[i % len(texts)]) for i in range(requests)))
    ack = [(s.acked - s.sent) * 1000 for s in samples]
    answers: list[float] = []
    for sample in samples:
        [call] = await slack.wait_for(sample.hook, timeout=60)
        answers.append((call.at - sample.sent) * 1000)
    return ack, answers


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


def _bot_process(
    api_key: str, endpoints: Endpoints, slack_api: str, slack_token: str, conn: Connection
) -> None:
    settings = bot_settings(api_key, endpoints, slack_api, slack_token)
    with serve_in_thread(build_bot(settings).asgi) as url:
        conn.send(url)
        # Answer CPU-time queries until told to stop: CPU per command does not
        # depend on what else the machine is running, latency does.
        while conn.recv() == "cpu":
            conn.send(time.process_time())


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


async def main(args: argparse.Namespace) -> int:
    with FakeSlackAPI() as slack, child(_sandbox_process, args.td_latency) as sandbox:
        api_key, endpoints = sandbox.recv()
        texts = await commands_for(api_key, endpoints)
        with child(_bot_process, api_key, endpoints, slack.api_url, slack.token) as bot:
            url = bot.recv()
            await one_run(url, slack, texts, min(50, args.requests), args.concurrency)  # warm-up
            all_ack: list[float] = []
            all_answers: list[float] = []
            print(
                f"{args.requests} signed /td commands, {args.concurrency} at a time, "
                f"TD latency {args.td_latency * 1000:.0f} ms, {args.runs} runs"
            )
            for run in range(1, args.runs + 1):
                bot.send("cpu")
                cpu_before = bot.recv()
                ack, answers = await one_run(url, slack, texts, args.requests, args.concurrency)
                bot.send("cpu")
                cpu_ms = (bot.recv() - cpu_before) * 1000 / args.requests
                all_ack += ack
                all_answers += answers
                print(f"run {run}: bot CPU {cpu_ms:.1f} ms per command (ack + answer)")
                print(line("ack", ack))
                print(line("answer", answers))
            print("overall")
            print(line("ack", all_ack))
            print(line("answer", all_answers))
    p99 = percentile(all_ack, 99)
    met = p99 < args.target_ms
    print(f"ack p99 {p99:.1f} ms: target < {args.target_ms:g} ms {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--td-latency", type=float, default=0.1, help="seconds per TD request")
    parser.add_argument("--target-ms", type=float, default=50.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
