"""The cast of bench/chaos.py: the sandbox in its own process, the replicas, the load balancer.

The sandbox process answers (command, argument) messages on a pipe for what
its HTTP API does not offer: injecting failures, retrying one at once (without
the faults the bench injects), and its record of what finished. Replicas are
``tdbot serve --http`` processes restarted on the same port after a kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from starlette.responses import JSONResponse, Response

from bot.sandbox import Sandbox
from tests.alerts.chat_fakes import SlackWithHistory
from tests.fakes import slack_requests
from tests.fakes.slack_api import Call
from tests.service.harness import ADMIN, USER
from tests.slack.harness import SIGNING_SECRET

POSTS = ("/api/chat.postMessage", "/api/chat.update")
ROOT = Path(__file__).resolve().parents[1]
Finished = tuple[str, str, str, int, str]  # attempt id, project, session id, index, status


# ---------------------------------------------------------------- the sandbox


def _serve_sandbox(conn: Connection) -> None:
    """Child process: the sandbox, driven by (command, argument) messages."""
    with Sandbox(seed=7) as sb:
        projects = sorted(p.name for p in sb.world.store.projects.values())
        conn.send((sb.url, sb.api_key, projects))
        while True:
            command, argument = conn.recv()
            if command == "inject":
                conn.send(sb.inject_failures(argument))
            elif command == "retry":
                conn.send(_retry(sb, argument))
            elif command == "jobs":
                with sb.lock:
                    conn.send([str(j) for j in list(sb.world.store.jobs)[-argument:]])
            elif command == "finished_since":
                conn.send(_finished_since(sb, argument))
            else:
                return


def _retry(sb: Sandbox, attempt_id: str) -> str:
    """Retry the failed tasks of ``attempt_id`` now, as the Retry button does (it succeeds)."""
    with sb.lock:
        failed = sb.world.store.attempts[int(attempt_id)]
        session = failed.session
        outcome = sb.world.life.outcome(
            failed.workflow, session.time, index=len(session.attempts) + 1
        )
        retry = sb.world.engine.submit(
            failed.workflow,
            session.time,
            failed.params,
            outcome,
            retry_name=f"chaos-{attempt_id}",
            resume=failed,
        )
        return str(retry.id)


def _finished_since(sb: Sandbox, start: Any) -> list[Finished]:
    """(id, project, session id, index, status) of what finished at or after ``start``."""
    with sb.lock:
        return [
            (str(a.id), a.workflow.project.name, str(a.session.id), a.index, a.status)
            for a in sb.world.store.attempts.values()
            if a.done and a.finished_at is not None and a.finished_at >= start
        ]


def start_sandbox() -> SandboxProcess:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve_sandbox, args=(child,), daemon=True)
    process.start()
    url, api_key, projects = parent.recv()
    return SandboxProcess(parent, process, url, api_key, projects)


@dataclass
class SandboxProcess:
    conn: Connection
    process: multiprocessing.Process
    url: str
    api_key: str
    projects: list[str]

    lock: threading.Lock = field(default_factory=threading.Lock)

    async def ask(self, command: str, argument: Any = None) -> Any:
        def call() -> Any:
            with self.lock:  # one question at a time on the pipe, or answers cross
                self.conn.send((command, argument))
                return self.conn.recv()

        return await asyncio.to_thread(call)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("stop", None))
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


# ---------------------------------------------------------------- replicas


class ChaosSlack(SlackWithHistory):
    """Slack that answers 429 to posts and edits for stretches of wall time."""

    limited_until = 0.0

    def rate_limit_for(self, seconds: float) -> None:
        self.limited_until = time.monotonic() + seconds

    def _answer(self, call: Call) -> Response:
        if call.path in POSTS and time.monotonic() < self.limited_until:
            return JSONResponse(
                {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": "1"}
            )
        return super()._answer(call)


@dataclass
class Replica:
    index: int
    port: int
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        log = self.logs / f"replica{self.index}.{self.starts}.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--http", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def replica_env(sb: SandboxProcess, slack: ChaosSlack, db: str, poll: float) -> dict[str, str]:
    return {
        **os.environ,
        "TD_API_KEY": sb.api_key,
        "TD_API_SERVER": sb.url,
        "TD_WORKFLOW_SERVER": sb.url,
        "TD_CONSOLE_URL": sb.url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "TDBOT_DATABASE_URL": db,
        "TDBOT_POLL_SECONDS": str(poll),
        "TDBOT_RATE_PER_MINUTE": "60000",  # the per-user limit is not what this is about
        "TDBOT_RATE_BURST": "10000",
        "TDBOT_ADMINS": ADMIN,
    }


async def wait_ready(http: httpx.AsyncClient, replica: Replica, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if (await http.get(f"{replica.url}/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"replica {replica.index} not ready within {within:g}s")


# ---------------------------------------------------------------- commands


@dataclass
class Commands:
    """Signed slash commands through a load balancer that skips replicas refusing connections.

    An answer is what reaches the command's response_url: the ack of ``job``/``attempt``/
    ``subscribe`` only says the bot is working on it.
    """

    replicas: list[Replica]
    slack: ChaosSlack
    http: httpx.AsyncClient
    sent: dict[str, tuple[int, float]] = field(default_factory=dict)  # hook -> replica, time
    unsent: int = 0
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, text: str, *, user: str = USER, channel: str = "C0CHAOS001") -> bool:
        hook = f"/hooks/chaos-{next(self._numbers)}"
        body = slack_requests.slash_command(
            text, self.slack.base_url + hook, user=user, channel=channel
        )
        headers = slack_requests.signed_headers(SIGNING_SECRET, body, slack_requests.FORM)
        order = random.sample(self.replicas, len(self.replicas))
        for _ in range(20):  # a few rounds: all may be down for a moment during a restart
            for replica in order:
                try:
                    response = await self.http.post(
                        f"{replica.url}/slack/events", content=body, headers=headers
                    )
                except httpx.TransportError:
                    continue
                if response.status_code == 200:
                    self.sent[hook] = (replica.index, time.monotonic())
                    return True
            await asyncio.sleep(0.25)
        self.unsent += 1
        return False

    def answered(self) -> set[str]:
        return {c.path for c in self.slack.calls() if c.path in self.sent}


async def until_polled(http: httpx.AsyncClient, replicas: list[Replica]) -> None:
    """Until a replica has polled once: what finished before that is history, not news."""
    while True:
        for replica in replicas:
            with contextlib.suppress(httpx.TransportError):
                text = (await http.get(f"{replica.url}/metrics")).text
                if 'tdbot_polls_total{outcome="ok"}' in text:
                    return
        await asyncio.sleep(0.2)
