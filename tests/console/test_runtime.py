"""The demo's wiring in process: typed lines -> answers, alerts -> threads, time -> polls."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.alerts.delivery import diagnosis_mark
from bot.console.runtime import CHANNEL, DemoRuntime, as_mention, open_demo
from bot.console.screen import Screen
from bot.render import TerminalStyle
from bot.store import ALL_PROJECTS

LAB = "diagnosis_lab"
RECOVERS = "presto_cluster_out_of_memory"  # a lab workflow whose retries succeed


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
async def demo(out: io.StringIO, tmp_path: Path) -> AsyncIterator[DemoRuntime]:
    screen = Screen(out, TerminalStyle(width=100))
    async with open_demo(screen, tmp_path, poll_seconds=60, strict=True) as runtime:
        yield runtime


def test_mentions_are_told_from_slash_commands() -> None:
    assert as_mention("@tdbot why") == "why"
    assert as_mention("  @TDBot: job 5") == "job 5"
    assert as_mention("/td job 5") is None
    assert as_mention("@tdbotx job 5") is None


async def test_subscribing_through_the_console_writes_the_store(demo: DemoRuntime) -> None:
    reply = await demo.ask("/td subscribe *")
    assert reply.title == "Subscribed: *"
    [subscription] = await demo.store.subscriptions(CHANNEL)
    assert subscription.project == ALL_PROJECTS

    missing = await demo.ask(f"/td subscribe {LAB}x")
    assert missing.outcome.value == "not_found"
    assert LAB in missing.sections[0]
    assert len(await demo.store.subscriptions(CHANNEL)) == 1


async def test_advancing_time_polls_and_why_in_the_thread_diagnoses_its_attempt(
    demo: DemoRuntime, out: io.StringIO
) -> None:
    await demo.ask(f"@tdbot subscribe {LAB}/{RECOVERS}")
    await demo.advance(0)  # the first poll: history is not news
    demo.sandbox.fail_next(f"{LAB}/{RECOVERS}", RECOVERS)
    start = demo.now()
    await demo.advance(600)
    assert (demo.now() - start).total_seconds() == 600
    alert = demo.chat.latest_parent(CHANNEL)
    assert alert is not None
    failed = demo.sandbox.last_attempt_id(f"{LAB}/{RECOVERS}")
    assert alert.marks == (failed,)

    reply = await demo.ask("@tdbot why")
    answer = list(demo.chat.messages.values())[-1]
    # The alert's full diagnosis came first in its thread, with the alert.
    diagnosis = demo.chat.messages[alert.replies[0]]
    assert diagnosis.marks == (diagnosis_mark(failed or ""),)
    assert answer.thread_ts == alert.ts and alert.replies == [diagnosis.ts, answer.ts]
    assert failed is not None and failed in reply.title
    assert f"↳ tdbot in the thread of “{alert.title}”" in out.getvalue()


async def test_retry_asks_first_and_confirm_acts_once(demo: DemoRuntime, out: io.StringIO) -> None:
    failed = demo.sandbox.case_attempt_id(RECOVERS)
    assert await demo.confirm() is None  # nothing shown yet, nothing to press

    before = len(demo.sandbox.requests.records)
    question = await demo.ask(f"/td retry {failed}")
    assert question.buttons and "Nothing is sent to TD" in question.sections[0]
    assert not [r for r in demo.sandbox.requests.records[before:] if r.method == "PUT"]

    done = await demo.confirm()
    assert done is not None and done.title == f"Retry of attempt {failed}: done"
    [retry] = [r for r in demo.sandbox.requests.records[before:] if r.method == "PUT"]
    assert retry.path == "/api/attempts"
    attempts = await demo.td.session_attempts((await demo.td.attempt(failed)).session_id)
    assert sorted(a.index for a in attempts) == [1, 2]
    assert "retried failed tasks of attempt" in out.getvalue()
    assert await demo.confirm() is None  # the button was used up


async def test_a_backfill_by_name_shows_the_dry_run_and_confirm_runs_it(
    demo: DemoRuntime, out: io.StringIO
) -> None:
    question = await demo.ask("/td backfill Sales_Daily/sales_daily from 2024-05-30 count 2")
    assert question.buttons and "2 sessions" in question.title
    runs = [r for r in demo.sandbox.requests.records if r.path.endswith("/backfill")]
    assert len(runs) == 1  # the dry run

    done = await demo.confirm()
    assert done is not None and "Backfill of schedule" in done.title and "done" in done.title
    runs = [r for r in demo.sandbox.requests.records if r.path.endswith("/backfill")]
    assert len(runs) == 2 and '"dryRun":false' in runs[1].body.replace(" ", "")
    assert "backfilled sales_daily/sales_daily: 2 session(s)" in out.getvalue()
