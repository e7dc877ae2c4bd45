"""Alert tests run the real pieces: the sandbox over loopback HTTP, TDClient, a
SQLite store, and a recording chat notifier (or the fake Slack Web API)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.alerts import Poller, PollerConfig
from bot.alerts.pacing import ChannelPacer
from bot.alerts.sender import DeliveryConfig
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient
from bot.td.models import Attempt
from tests.fakes.notifier import RecordingNotifier

LAB = "diagnosis_lab"
KEEPS_FAILING = "presto_syntax_query_failed"  # a lab workflow whose retries fail again
RECOVERS = "presto_cluster_out_of_memory"  # a lab workflow whose retries succeed
CHANNEL = "C0ALERTS01"
OTHER_CHANNEL = "C0ALERTS02"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sb:
        yield sb


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as client:
        yield client


@pytest.fixture
async def store(tmp_path: Path, sandbox: Sandbox) -> AsyncIterator[Store]:
    async with await Store.open(
        f"sqlite:///{tmp_path / 'alerts.db'}", clock=sandbox.clock.now
    ) as opened:
        yield opened


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


def sandbox_pacer(sandbox: Sandbox) -> ChannelPacer:
    """Pacing on the sandbox's clock: waiting (e.g. for a Retry-After) moves it on.

    The rate itself is tested in test_pacing; here it would only slow the suite.
    """

    async def sleep(seconds: float) -> None:
        # The sandbox clock counts whole microseconds; never sleep less than one.
        sandbox.advance(max(seconds, 0.0) + 1e-6)

    return ChannelPacer(
        rate=10_000, burst=10_000, clock=lambda: sandbox.clock.now().timestamp(), sleep=sleep
    )


TEST_CONFIG = PollerConfig(
    poll_seconds=60,
    digest_over=5,
    delivery=DeliveryConfig(retry_base=30, max_inline_wait=0.5),
)


@pytest.fixture
def poller(td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox) -> Poller:
    return Poller(
        td,
        store,
        notifier,
        console=sandbox.url,
        config=TEST_CONFIG,
        clock=sandbox.clock.now,
        pacer=sandbox_pacer(sandbox),
    )


@dataclass
class Scenario:
    """Drives the sandbox: failures, retries and time."""

    sandbox: Sandbox
    td: TDClient

    def fail(self, workflow: str, case: str | None = None) -> None:
        """The next ``advance`` starts a run of ``LAB/workflow`` that fails like its case."""
        self.sandbox.fail_next(f"{LAB}/{workflow}", case or workflow)

    def advance(self, seconds: float = 600) -> list[str]:
        return self.sandbox.advance(seconds).finished

    async def last_attempt(self, workflow: str) -> Attempt:
        attempt_id = self.sandbox.last_attempt_id(f"{LAB}/{workflow}")
        assert attempt_id is not None
        return await self.td.attempt(attempt_id)

    async def retry(self, attempt: Attempt) -> Attempt:
        """Retry the failed tasks, as the Retry button does."""
        assert attempt.workflow.id is not None
        return await self.td.start_attempt(
            attempt.workflow.id,
            attempt.session_time_text,
            attempt.params,
            retry_attempt_name=f"retry-{uuid.uuid4().hex[:8]}",
            resume_failed_attempt_id=attempt.id,
        )


@pytest.fixture
def scenario(sandbox: Sandbox, td: TDClient) -> Scenario:
    return Scenario(sandbox, td)
