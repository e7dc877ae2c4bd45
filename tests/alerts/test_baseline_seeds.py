"""A new subscription's running-long baseline seeded from TD's history, end to end on
the sandbox clock: the sandbox over loopback HTTP (four days of past runs), TDClient,
a SQLite store, the poller and the schedule rounds (which seed, within their budget)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from bot.alerts.seeding import PROJECT_PAGES
from bot.sandbox import Sandbox
from bot.silent.baseline import MIN_RUNS, learned, limit_of
from bot.store import Store
from bot.store.baselines import KEEP
from bot.td import TDClient
from bot.td.models import AttemptStatus
from tests.alerts.conftest import CHANNEL, OTHER_CHANNEL
from tests.alerts.silent_kit import Runs
from tests.alerts.test_schedules import Rig

PROJECT = "web_analytics"
HOURLY = "pageviews_hourly"  # ~90 good runs in the sandbox's four days
DAILY = ("bot_filter", "sessions_rollup")  # four good runs each: fewer than MIN_RUNS


def history_reads(sandbox: Sandbox) -> list[str]:
    """Whose history was read, in order: ``project/workflow`` for one workflow's page
    (``/api/attempts?project=&workflow=``), ``project`` for a page of a project's."""
    return [
        "/".join(q["project"] + q.get("workflow", []))
        for r in sandbox.requests.records
        if r.path == "/api/attempts" and "project" in (q := parse_qs(r.query))
    ]


async def expected_runs(td: TDClient, project: str, workflow: str) -> list[int]:
    """Straight from TD: the seconds of the newest ``KEEP`` successful first attempts."""
    good = [
        a
        async for a in td.iter_attempts(project=project, workflow=workflow)
        if a.status is AttemptStatus.SUCCESS and a.index == 1
    ]
    good.sort(key=lambda a: (a.finished_at, int(a.id)), reverse=True)
    return sorted(
        round((a.finished_at - a.created_at).total_seconds())
        for a in good[:KEEP]
        if a.finished_at and a.created_at
    )


async def kept(store: Store, project: str, workflow: str) -> list[int]:
    runs = (await store.good_runs_of([(project, workflow)])).get((project, workflow), [])
    return sorted(round(r.total_seconds()) for r in runs)


@pytest.fixture
async def rig(sandbox: Sandbox, td: TDClient, store: Store) -> Rig:
    made = Rig(sandbox, td, store)
    await made.bot.poller.poll_once()  # the first poll: history is not news
    return made


async def test_a_project_subscription_learns_its_baselines_in_the_first_round(
    rig: Rig, td: TDClient, store: Store, sandbox: Sandbox
) -> None:
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1")
    assert await store.good_runs_of([(PROJECT, HOURLY)]) == {}

    report = await rig.bot.watcher.round()

    assert report.seeded == 3
    # Three workflows of one project: its history, page by page, to its end (104 runs).
    assert history_reads(sandbox) == [PROJECT, PROJECT]
    hourly = await kept(store, PROJECT, HOURLY)
    assert hourly == await expected_runs(td, PROJECT, HOURLY)
    assert len(hourly) == KEEP
    baseline = learned([timedelta(seconds=s) for s in hourly])
    assert baseline is not None and baseline.runs == KEEP
    # Fewer than five good runs at TD: recorded, and the workflow stays learning.
    for workflow in DAILY:
        runs = await kept(store, PROJECT, workflow)
        assert runs == await expected_runs(td, PROJECT, workflow)
        assert 0 < len(runs) < MIN_RUNS
        assert learned([timedelta(seconds=s) for s in runs]) is None


async def test_seeded_once_across_restarts_and_replicas(
    rig: Rig, store: Store, sandbox: Sandbox
) -> None:
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1")
    await rig.bot.watcher.round()
    assert history_reads(sandbox) != []
    sandbox.requests.clear()

    # The same instance later, a second replica, a restart: none reads history again,
    # not even for the workflows still learning.
    await rig.run(10)
    other = rig.start()
    await other.poller.poll_once()
    assert (await other.watcher.round()).seeded == 0
    await rig.run(10, other)
    assert history_reads(sandbox) == []
    # The three workflows, and their project's history as read once.
    assert await store.seeded_baselines() == {(PROJECT, w) for w in (HOURLY, *DAILY, "")}


async def test_every_project_is_seeded_a_few_reads_per_round_most_pressing_first(
    rig: Rig, td: TDClient, store: Store, sandbox: Sandbox
) -> None:
    await store.add_subscription(CHANNEL, "*", created_by="U1")
    await store.add_subscription(OTHER_CHANNEL, "crm_sync", "hubspot_sync", created_by="U1")
    running = await Runs(sandbox, td).start(hang=timedelta(hours=3))
    sandbox.advance(60)
    await rig.bot.poller.poll_once()  # seen running: watched
    schedules = {(s.project.name, s.workflow.name) async for s in td.iter_schedules()}

    async def left() -> set[tuple[str, str]]:
        counts = await store.good_run_counts()
        done = await store.seeded_baselines()
        return {w for w in schedules if w not in done and counts.get(w, 0) < MIN_RUNS}

    per_round = rig.bot.watcher.config.seeds_per_round
    await rig.bot.watcher.round()
    # The running workflow's project first (four of its workflows are due: read as one),
    # then the workflow subscribed by name (the only one due in its project).
    first = history_reads(sandbox)
    assert first[:2] == [running.project.name, "crm_sync/hubspot_sync"]
    assert len(first) == per_round

    rounds = 1
    while await left() and rounds < 50:
        before = len(history_reads(sandbox))
        for _ in range(5):  # a round every five polls (TDBOT_SCHEDULE_SECONDS)
            polled = sandbox.requests.count()
            sandbox.advance(60)
            await rig.bot.poller.poll_once()
            assert sandbox.requests.count() - polled == 1  # a quiet poll: one listing page
        await rig.bot.watcher.round()
        rounds += 1
        assert len(history_reads(sandbox)) - before <= per_round
    assert await left() == set()
    reads = history_reads(sandbox)
    alone = [r for r in reads if "/" in r]
    assert len(alone) == len(set(alone))  # a workflow's own history: once
    assert all(reads.count(p) <= PROJECT_PAGES for p in reads if "/" not in p)
    assert len(reads) < len(schedules)  # projects read as one
    # Nothing left to read.
    await rig.bot.watcher.round()
    assert len(history_reads(sandbox)) == len(reads)


async def test_a_td_failure_leaves_the_workflow_for_the_next_round(
    rig: Rig, store: Store, sandbox: Sandbox
) -> None:
    await store.add_subscription(CHANNEL, PROJECT, HOURLY, created_by="U1")
    sandbox.faults.fail(100, status=503, path_prefix="/api/attempts")
    assert (await rig.bot.watcher.round()).seeded == 0
    assert await store.seeded_baselines() == set()
    sandbox.faults.clear()
    assert (await rig.bot.watcher.round()).seeded == 1
    assert len(await kept(store, PROJECT, HOURLY)) == KEEP


async def test_a_hanging_run_is_alerted_from_the_seeded_baseline(
    rig: Rig, store: Store, sandbox: Sandbox
) -> None:
    await store.add_subscription(CHANNEL, PROJECT, HOURLY, created_by="U1")
    await rig.bot.watcher.round()
    baseline = learned([timedelta(seconds=s) for s in await kept(store, PROJECT, HOURLY)])
    assert baseline is not None
    sandbox.hang(f"{PROJECT}/{HOURLY}")  # the 10:10 run stays on its td> task

    alerted_at = None
    for _ in range(60):
        await rig.run(1)
        if alerted_at is None and rig.running_long_parents():
            alerted_at = sandbox.clock.now()

    [parent] = rig.running_long_parents()
    assert f"its last {KEEP} good runs took" in str(parent.blocks)
    attempt = await rig.td.attempt(parent.marks[0].removeprefix("running_long:"))
    assert attempt.created_at is not None and alerted_at is not None
    # Alerted at the first poll past the seeded limit, not before.
    assert timedelta(0) < alerted_at - (attempt.created_at + limit_of(baseline))
    assert alerted_at - (attempt.created_at + limit_of(baseline)) <= timedelta(minutes=1)


async def test_late_joins_the_thread_of_a_run_running_long_by_its_seeded_baseline(
    rig: Rig, store: Store
) -> None:
    await store.add_subscription(CHANNEL, PROJECT, HOURLY, created_by="U1")
    await store.set_sla(PROJECT, HOURLY, within=timedelta(minutes=40), set_by="U1")
    await rig.bot.watcher.round()
    rig.sandbox.hang(f"{PROJECT}/{HOURLY}")  # the 10:00 session starts at 10:10, hangs

    await rig.run(65)  # 10:35: past its baseline, within its 40 minutes
    [parent] = rig.all_parents()
    assert parent.message.title.startswith("Running long")
    assert rig.replies(parent) == []
    await rig.run(10)  # 10:45: late, one thread per session
    [late] = rig.replies(parent)
    assert late.message.title.startswith("Late") and "still running" in late.text
    rig.sandbox.release(f"{PROJECT}/{HOURLY}")
    await rig.run(10)
    assert rig.all_parents() == [parent] and parent.edits
    assert [m.marks for m in rig.replies(parent)][1:] == [
        [f"{parent.marks[0]}:end"],
        [f"{late.marks[0]}:end"],
    ]
