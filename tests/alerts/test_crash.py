"""SIGKILL at the worst moments, restart: no alert lost, none posted twice.

The poller runs as a real separate process (tests/alerts/bot_process.py)
against the sandbox and the fake Slack Web API over HTTP, and kills itself
right after writing a claim, or right after Slack accepted a post (the alert,
before its diagnosis reply).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.alerts.delivery import diagnosis_mark
from bot.sandbox import Sandbox
from bot.store import Store
from tests.alerts.chat_fakes import SlackWithHistory, marks_of
from tests.alerts.conftest import CHANNEL, KEEPS_FAILING, LAB, Scenario

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.0  # seconds a dead process's claim stays its own


@pytest.fixture
def slack() -> Iterator[SlackWithHistory]:
    with SlackWithHistory() as fake:
        yield fake


def bot_command(sandbox: Sandbox, slack: SlackWithHistory, db: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.alerts.bot_process",
        "--td",
        sandbox.url,
        "--api-key",
        sandbox.api_key,
        "--slack",
        slack.api_url,
        "--db",
        db,
        "--lease",
        str(LEASE),
        *extra,
    ]


async def run_bot(
    sandbox: Sandbox, slack: SlackWithHistory, db: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    command = bot_command(sandbox, slack, db, *extra)
    return await asyncio.to_thread(
        subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def alerts_for(slack: SlackWithHistory, attempt_id: str) -> list[dict[str, object]]:
    return [m for m in slack.posted(CHANNEL) if attempt_id in marks_of(m)]


@pytest.mark.parametrize("crash_at", ["after_claim", "after_post"])
async def test_sigkill_then_restart_neither_loses_nor_repeats(
    crash_at: str, sandbox: Sandbox, slack: SlackWithHistory, scenario: Scenario, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    first = await run_bot(sandbox, slack, db)
    assert first.returncode == 0, first.stderr
    async with await Store.open(db) as store:
        await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    failed = await scenario.last_attempt(KEEPS_FAILING)

    crashed = await run_bot(sandbox, slack, db, "--crash-at", crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    posted_before_restart = len(alerts_for(slack, failed.id))
    assert posted_before_restart == (1 if crash_at == "after_post" else 0)

    # Restarted within the lease (a long one here: starting Python takes a
    # while): the claim is not taken over yet, so nothing is posted.
    early = await run_bot(sandbox, slack, db, "--lease", "60")
    assert early.returncode == 0, early.stderr
    assert len(alerts_for(slack, failed.id)) == posted_before_restart

    await asyncio.sleep(LEASE + 0.3)
    restarted = await run_bot(sandbox, slack, db, "--polls", "2")
    assert restarted.returncode == 0, restarted.stderr
    [alert] = alerts_for(slack, failed.id)
    assert alert["thread_ts"] is None
    # after_post died between the alert and its diagnosis reply: the restart
    # finds the alert by its mark and posts the reply, once.
    [reply] = alerts_for(slack, diagnosis_mark(failed.id))
    assert reply["thread_ts"] == alert["ts"]
    assert len(slack.posted(CHANNEL)) == 2
    async with await Store.open(db) as store:
        thread = await store.get_thread(CHANNEL, failed.session_id)
        assert thread is not None and thread.parent_ts == alert["ts"]
