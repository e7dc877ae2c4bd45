"""`/td report` over signed HTTP: acked at once, answered with the chart and table uploaded;
scheduled reports posted once with two replicas on one store."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts.scheduled_reports import LEASE, mark_of, slot_of
from bot.message import Message
from bot.sandbox import Sandbox
from bot.store.report_schedules import PostClaim
from tests.fakes.slack_api import FakeSlackAPI
from tests.reports.expected import expected_numbers
from tests.service.harness import CHANNEL, Running, running_service, texts
from tests.service.test_replicas import database_url as database_url
from tests.service.test_replicas import two_replicas
from tests.service.test_timeline import png_size, uploaded
from tests.support.postgres import postgres_server as postgres_server


async def test_a_report_answers_with_its_numbers_and_uploads_chart_and_table(
    bot: Running, sandbox: Sandbox
) -> None:
    await bot.ask("subscribe web_analytics")
    answer = await bot.ask("report 3d", timeout=30)
    assert answer.body["response_type"] == "in_channel"
    shown = texts(answer)
    assert "Reliability of web_analytics, last 3 days" in shown
    expected = expected_numbers(sandbox, 3, project="web_analytics")
    runs = sum(e.runs for e in expected.values())
    workflows = len(expected)
    assert f"{runs:,} of {workflows} workflows" in shown

    (png_url, png, _), (csv_url, table, done) = await uploaded(bot, 2)
    assert png_url.body["filename"].endswith(".png") and csv_url.body["filename"].endswith(".csv")
    assert done.body["channel_id"] == CHANNEL
    png_size(png.raw)
    rows = list(csv.DictReader(io.StringIO(table.raw.decode())))
    assert {(r["project"], r["workflow"]): int(r["runs"]) for r in rows} == {
        key: e.runs for key, e in expected.items()
    }


async def test_an_unsubscribed_channel_without_a_scope_is_told_what_to_do(bot: Running) -> None:
    answer = await bot.ask("report")
    assert answer.body["response_type"] == "ephemeral"
    assert "This channel has no subscriptions to report on" in texts(answer)
    assert "/td report sales_etl 7d" in texts(answer)


async def test_a_scope_with_no_runs_gets_a_clear_answer(bot: Running) -> None:
    answer = await bot.ask("report ml_features/feature_backfill 7d")
    assert "No runs of ml_features/feature_backfill in the last 7 days" in texts(answer)
    assert bot.slack.calls("/api/files.getUploadURLExternal") == []


async def test_an_unknown_project_gets_did_you_mean(bot: Running) -> None:
    answer = await bot.ask("report web_analytic")
    assert "No project web_analytic" in texts(answer)
    assert "web_analytics" in texts(answer)


async def test_a_scheduled_report_is_posted_once_by_two_replicas(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, database_url: str
) -> None:
    async with two_replicas(sandbox, slack, tmp_path, database_url) as (a, b):
        await a.ask("subscribe web_analytics")
        answer = await b.ask("report daily")
        assert "every day at 09:00 (UTC)" in texts(answer)
        slack.clear()
        # The cron job fires on every replica at once.
        posted = await asyncio.gather(
            a.service.reports.run("daily"), b.service.reports.run("daily")
        )
        assert sorted(posted) == [0, 1]
        [report] = slack.calls("/api/chat.postMessage")
        assert report.body["channel"] == CHANNEL
        assert "Reliability of web_analytics, last 1 day" in texts(report)
        slot, _ = slot_of("daily", sandbox.clock.now(), "UTC")
        assert report.body["metadata"]["event_payload"] == {"claims": [mark_of(slot)]}
        # Its chart and table go into the report's thread.
        [(_, _, ts)] = await a.service.store.report_schedules.posts([CHANNEL])
        done = await slack.wait_for("/api/files.completeUploadExternal", n=2)
        assert ts is not None and [d.body["thread_ts"] for d in done] == [ts, ts]

        # Later runs and sweeps of the same slot post nothing more.
        assert await a.service.reports.run("daily") == 0
        await b.service.reports.sweep()
        assert len(slack.calls("/api/chat.postMessage")) == 1


async def test_a_replica_that_dies_mid_post_leaves_it_to_another(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path, database_url: str
) -> None:
    async with two_replicas(sandbox, slack, tmp_path, database_url) as (a, b):
        await a.ask("subscribe web_analytics")
        await a.ask("report weekly")
        slack.clear()
        slot, _ = slot_of("weekly", sandbox.clock.now(), "UTC")
        schedules = a.service.store.report_schedules
        now = sandbox.clock.now()
        await schedules.plan("weekly", slot, scheduled_by=now, now=now)
        # Replica a claims the post and dies before posting anything.
        claim = await schedules.claim(CHANNEL, slot, lease=LEASE, now=now)
        assert claim == PostClaim(CHANNEL, slot, 1)
        await b.service.reports.sweep()  # within the lease: not b's to take
        assert slack.calls("/api/chat.postMessage") == []

        sandbox.advance(LEASE.total_seconds() + 60)
        await b.service.reports.sweep()
        [report] = slack.calls("/api/chat.postMessage")
        assert "Reliability of web_analytics, last 7 days" in texts(report)
        assert [p[:2] for p in await schedules.posts([CHANNEL])] == [(CHANNEL, slot)]


@pytest.mark.parametrize("cadence", ["daily", "weekly"])
def test_slots_are_the_latest_nine_oclock_in_the_zone(cadence: str) -> None:
    monday_early = datetime(2024, 6, 3, 8, 59, tzinfo=UTC)  # a Monday
    name, at = slot_of(cadence, monday_early, "UTC")
    expected = "2024-06-02" if cadence == "daily" else "2024-05-27"
    assert name == f"{cadence}:{expected}" and at.hour == 9
    tokyo, at = slot_of(cadence, monday_early, "Asia/Tokyo")  # 17:59 in Tokyo
    assert tokyo == f"{cadence}:2024-06-03" and at.utcoffset() is not None


async def test_a_post_made_before_its_holder_died_is_found_by_its_mark(
    sandbox: Sandbox, slack: FakeSlackAPI, tmp_path: Path
) -> None:
    async with running_service(sandbox, slack, tmp_path) as bot:
        await bot.ask("subscribe web_analytics")
        await bot.ask("report daily")
        slot, _ = slot_of("daily", sandbox.clock.now(), "UTC")
        schedules = bot.service.store.report_schedules
        now = sandbox.clock.now()
        await schedules.plan("daily", slot, scheduled_by=now, now=now)
        claim = await schedules.claim(CHANNEL, slot, lease=LEASE, now=now)
        assert claim is not None
        # The holder posted, then died before recording it.
        ts = await bot.service.bot.notifier.post(
            CHANNEL, Message(title="report", text="report"), marks=(mark_of(slot),)
        )
        slack.clear()
        sandbox.advance(LEASE.total_seconds() + 60)
        await bot.service.reports.sweep()
        assert slack.calls("/api/chat.postMessage") == []
        assert await schedules.posts([CHANNEL]) == [(CHANNEL, slot, ts)]


async def test_report_off_says_what_stopped_and_how_to_start_it_again(bot: Running) -> None:
    # The answer was its own title twice ("No more scheduled reports here." under it).
    nothing = texts(await bot.ask("report off"))
    assert "No report was scheduled here" in nothing
    await bot.ask("report weekly")
    stopped = texts(await bot.ask("report off"))
    assert "No more scheduled reports here" in stopped
    assert "The weekly report is no longer posted here" in stopped
    assert "/td report daily" in stopped and "/td report weekly" in stopped
