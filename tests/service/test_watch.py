"""A retry started from Slack is watched: its end is posted once, in the thread it came from,
also when a second replica (another watcher over the same store) ticks at the same time."""

from __future__ import annotations

import asyncio

from bot.sandbox import Sandbox
from bot.store import OutcomeWatch
from bot.td import TDClient
from bot.td.models import AttemptStatus
from bot.watch import Watcher
from tests.service.harness import ADMIN, CHANNEL, Running, texts
from tests.service.test_actions import CONFIRM_TS, TRANSIENT, confirm_button

KEEPS_FAILING = "presto_syntax_query_failed"  # its retries fail again


async def retry_from_slack(bot: Running, sandbox: Sandbox, td: TDClient, case: str) -> OutcomeWatch:
    """An admin's `/td retry`, confirmed in an ephemeral message (no thread): the watch,
    whose thread is the audit line's."""
    old = await td.attempt(sandbox.case_attempt_id(case))
    button = await confirm_button(bot, f"retry {old.id}")
    hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
    await bot.slack.wait_for(hook, timeout=15)
    [audit] = await bot.slack.wait_for("/api/chat.postMessage", timeout=15)
    assert "thread_ts" not in audit.body
    await bot.service.bot.tasks.drain(grace=10)
    [watch] = await bot.service.store.open_watches()
    assert (watch.channel_id, watch.started_by) == (CHANNEL, ADMIN)
    assert watch.thread_ts is not None and watch.thread_ts.startswith("1700000000.")
    return watch


async def test_the_success_of_a_retry_is_posted_once_in_its_thread(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    watch = await retry_from_slack(bot, sandbox, td, TRANSIENT)

    assert await bot.service.watcher.tick() == 0  # still running: nothing to say
    sandbox.advance(2 * 3600)
    new = await td.attempt(watch.attempt_id)
    assert new.status is AttemptStatus.SUCCESS

    # Two replicas tick at once: one post.
    other = Watcher(td, bot.service.store, bot.service.bot.notifier, console="https://c")
    posted = await asyncio.gather(bot.service.watcher.tick(), other.tick())
    assert sorted(posted) == [0, 1]
    assert await bot.service.watcher.tick() == 0
    [_, outcome] = bot.slack.calls("/api/chat.postMessage")
    assert outcome.body["thread_ts"] == watch.thread_ts and outcome.body["channel"] == CHANNEL
    assert f"Attempt {new.id} (#{new.index}) succeeded in" in texts(outcome)
    assert await bot.service.store.open_watches() == []


async def test_a_retry_that_fails_again_gets_its_diagnosis_in_the_thread(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    watch = await retry_from_slack(bot, sandbox, td, KEEPS_FAILING)
    sandbox.advance(2 * 3600)
    new = await td.attempt(watch.attempt_id)
    assert new.status is AttemptStatus.ERROR

    assert await bot.service.watcher.tick() == 1
    [_, outcome] = bot.slack.calls("/api/chat.postMessage")
    assert outcome.body["thread_ts"] == watch.thread_ts
    failed = [t.full_name for t in await td.tasks(new.id) if t.state.value == "error"]
    assert failed and all(name in texts(outcome) for name in failed)
    assert new.id in texts(outcome)


async def test_a_watch_outlives_a_restart(bot: Running, sandbox: Sandbox, td: TDClient) -> None:
    """The watch is a row: a fresh watcher (a restarted process) over the store posts it."""
    watch = await retry_from_slack(bot, sandbox, td, TRANSIENT)
    sandbox.advance(2 * 3600)
    restarted = Watcher(td, bot.service.store, bot.service.bot.notifier, console="https://c")
    await restarted()  # as the scheduler runs it: under the store's "watches" leader lock
    assert await restarted.tick() == 0
    [_, outcome] = bot.slack.calls("/api/chat.postMessage")
    assert outcome.body["thread_ts"] == watch.thread_ts


async def test_a_retry_deleted_at_td_is_said_once_and_no_longer_read(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    watch = await retry_from_slack(bot, sandbox, td, TRANSIENT)
    sandbox.delete_attempt(watch.attempt_id)

    assert await bot.service.watcher.tick() == 1
    [_, note] = bot.slack.calls("/api/chat.postMessage")
    assert note.body["thread_ts"] == watch.thread_ts
    assert f"Attempt {watch.attempt_id} no longer exists at TD" in texts(note)
    assert await bot.service.store.open_watches() == []
    sandbox.requests.clear()
    assert await bot.service.watcher.tick() == 0
    assert sandbox.requests.count(f"/api/attempts/{watch.attempt_id}") == 0
