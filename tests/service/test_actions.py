"""Retry and kill from Slack, end to end: confirm first, admins only, once per click, audited.

TD is the sandbox over loopback (every id comes from it), Slack is the fake
Web API, and the bot is the one ``bot.service`` builds for ``tdbot serve``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.sandbox import Sandbox
from bot.store import ActionKind, ActionState
from bot.td import TDClient
from bot.td.models import Attempt, AttemptStatus, JobStatus
from tests.fakes.slack_api import Call
from tests.service.harness import (
    ACTING_IDS,
    ADMIN,
    CHANNEL,
    OTHER_ADMIN,
    USER,
    Running,
    buttons,
    texts,
)

TRANSIENT = "presto_cluster_out_of_memory"  # its failed task succeeds when re-run
CONFIRM_TS = "1700000100.000001"  # the ts Slack gives the ephemeral confirmation


def assert_confirmed(call: Call) -> list[dict[str, Any]]:
    """Every Retry/Kill button of the message asks for confirmation, in full; returns them."""
    acting = [b for b in buttons(call) if b["action_id"] in ACTING_IDS]
    for button in acting:
        dialog = button.get("confirm")
        assert dialog is not None, button
        assert dialog["title"]["text"] and dialog["text"]["text"]
        assert dialog["confirm"]["text"] and dialog["deny"]["text"] == "Cancel"
    return acting


async def running_attempt(td: TDClient) -> Attempt:
    return next(a for a in await td.attempts_page() if a.status is AttemptStatus.RUNNING)


async def confirm_button(bot: Running, text: str) -> dict[str, Any]:
    """An admin's ``/td <text>``: the one button of the ephemeral confirmation."""
    answer = await bot.ask(text, user=ADMIN)
    assert answer.body["response_type"] == "ephemeral"
    [button] = assert_confirmed(answer)
    return button


async def test_retry_confirms_then_the_click_resumes_only_the_failed_tasks(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    before = {t.full_name: t for t in await td.tasks(old.id)}

    button = await confirm_button(bot, f"retry {old.id}")
    assert button["action_id"] == "tdbot.retry_failed"
    assert json.loads(button["value"]) == {"attempt_id": old.id}
    assert f"attempt {old.id}" in button["confirm"]["text"]["text"]
    assert sandbox.requests.count("/api/attempts", method="PUT") == 0  # nothing yet

    hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    [audit] = await bot.slack.wait_for("/api/chat.postMessage")

    assert sandbox.requests.count("/api/attempts", method="PUT") == 1
    attempts = await td.session_attempts(old.session_id)
    [new] = [a for a in attempts if a.index == old.index + 1]
    assert new.retry_attempt_name == f"tdbot-retry-{old.id}"
    assert answer.body["replace_original"] is True  # the confirmation makes way for the outcome
    assert f"as new attempt {new.id} (#{new.index}) of the same session" in texts(answer)
    # An ephemeral confirmation has no thread: the audit line goes to the channel.
    assert audit.body["channel"] == CHANNEL and "thread_ts" not in audit.body
    assert (
        f"<@{ADMIN}> retried failed tasks of attempt {old.id} -> new attempt {new.id} "
        f"(#{new.index})"
    ) in texts(audit)

    sandbox.advance(2 * 3600)
    after = {t.full_name: t for t in await td.tasks(new.id)}
    assert (await td.attempt(new.id)).status is AttemptStatus.SUCCESS
    failed = [n for n, t in before.items() if t.state.value == "error"]
    kept = [
        n
        for n, t in before.items()
        if t.state.value == "success" and not t.is_group and "^" not in n
    ]
    assert failed and kept
    for name in kept:  # copied from the failed attempt, not run again: no start time on TD
        assert before[name].started_at is not None and after[name].started_at is None
    for name in failed:
        assert after[name].state.value == "success"
        assert after[name].started_at != before[name].started_at


async def test_retry_button_in_a_thread_puts_the_audit_line_in_that_thread(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    thread = "1700000200.000001"
    await bot.mention(f"diagnose {old.id}", thread_ts=thread, user=USER)
    [diagnosis] = await bot.slack.wait_for("/api/chat.postMessage", timeout=15)
    assert diagnosis.body["thread_ts"] == thread
    [retry] = [b for b in assert_confirmed(diagnosis) if b["action_id"] == "tdbot.retry_failed"]
    assert not [b for b in buttons(diagnosis) if b["action_id"] == "tdbot.kill"]  # it failed

    # Slack gives the reply its own ts; the click says which thread it is in.
    hook = await bot.click(
        retry, user=OTHER_ADMIN, message_ts="1700000200.000002", thread_ts=thread
    )
    await bot.slack.wait_for(hook, timeout=15)
    [_, audit] = await bot.slack.wait_for("/api/chat.postMessage", n=2)
    assert audit.body["thread_ts"] == thread
    [new] = [a for a in await td.session_attempts(old.session_id) if a.index == old.index + 1]
    assert f"<@{OTHER_ADMIN}> retried failed tasks of attempt {old.id}" in texts(audit)
    assert f"new attempt {new.id}" in texts(audit)

    [record] = await bot.service.store.actions(target_id=old.id)
    assert (record.user_id, record.action, record.state) == (
        OTHER_ADMIN,
        ActionKind.RETRY,
        ActionState.SUCCEEDED,
    )
    assert (record.channel_id, record.thread_ts) == (CHANNEL, thread)
    assert record.outcome is not None and new.id in record.outcome


async def test_non_admins_send_nothing_to_td_and_are_told_privately(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    failed = sandbox.case_attempt_id(TRANSIENT)
    running = await running_attempt(td)
    [job] = await td.jobs(status=JobStatus.RUNNING, limit=1)
    retry_value = json.dumps({"attempt_id": failed})
    kill_value = json.dumps({"attempt_id": running.id})
    kill_job_value = json.dumps({"job_id": job.job_id})
    before = len(sandbox.requests.records)

    answers = [await bot.ask(text) for text in (f"retry {failed}", f"kill {running.id}")]
    answers.append(await bot.ask(f"kill job {job.job_id}"))
    clicked = [
        await bot.click({"action_id": action_id, "value": value}, user=USER)
        for action_id, value in (
            ("tdbot.retry_failed", retry_value),
            ("tdbot.kill", kill_value),
            ("tdbot.kill", kill_job_value),
        )
    ]
    for hook in clicked:
        answers.extend(await bot.slack.wait_for(hook, timeout=15))

    assert len(sandbox.requests.records) == before  # not a single TD request, not even a read
    for answer in answers:
        assert answer.body["response_type"] == "ephemeral"
        assert "Only tdbot admins (TDBOT_ADMINS) may" in texts(answer)
        assert "Nothing was sent to TD" in texts(answer)
        assert not buttons(answer)
    assert bot.slack.calls("/api/chat.postMessage") == []  # nothing announced
    refusals = await bot.service.store.actions(user_id=USER)
    assert len(refusals) == 6
    assert all(r.state is ActionState.FAILED for r in refusals)
    assert all(r.outcome and "refused" in r.outcome for r in refusals)
    assert {r.target_id for r in refusals} == {failed, running.id, job.job_id}


async def test_a_double_click_starts_one_retry(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    button = await confirm_button(bot, f"retry {old.id}")

    # Two clicks of the same button, sent at the same moment (each with its response_url).
    hooks = await asyncio.gather(
        *(bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS) for _ in range(2))
    )
    answers = [(await bot.slack.wait_for(hook, timeout=15))[0] for hook in hooks]
    await bot.service.bot.tasks.drain(grace=10)

    assert sandbox.requests.count("/api/attempts", method="PUT") == 1
    assert len([a for a in await td.session_attempts(old.session_id) if a.index > old.index]) == 1
    shown = sorted(texts(a) for a in answers)
    assert sum("Retrying the failed tasks" in s for s in shown) == 1
    assert sum("Nothing was sent to TD again" in s for s in shown) == 1
    assert len(bot.slack.calls("/api/chat.postMessage")) == 1  # one audit line
    records = await bot.service.store.actions(target_id=old.id)
    assert [r.state for r in records] == [ActionState.SUCCEEDED]


async def test_kill_of_a_finished_attempt_says_it_already_finished(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    done_id = sandbox.last_attempt_id("ingest/daily_ingest")
    assert done_id is not None
    assert (await td.attempt(done_id)).status is AttemptStatus.SUCCESS
    button = await confirm_button(bot, f"kill {done_id}")
    assert button["action_id"] == "tdbot.kill" and button["style"] == "danger"

    hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    await bot.service.bot.tasks.drain(grace=5)

    assert f"attempt {done_id} had already finished (success): nothing to kill." in texts(answer)
    assert bot.slack.calls("/api/chat.postMessage") == []  # nothing changed: no audit line
    [record] = await bot.service.store.actions(target_id=done_id)
    assert record.action is ActionKind.KILL and record.state is ActionState.SUCCEEDED


async def test_kill_of_a_running_job_and_attempt(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    # The job first: it belongs to the running attempt, whose kill would end it too.
    [job] = await td.jobs(status=JobStatus.RUNNING, limit=1)
    button = await confirm_button(bot, f"kill job {job.job_id}")
    assert json.loads(button["value"]) == {"job_id": job.job_id}
    assert f"Kill TD job {job.job_id}" in button["confirm"]["text"]["text"]
    hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    assert f"job {job.job_id} killed." in texts(answer)
    assert (await td.job(job.job_id)).status is JobStatus.KILLED
    [audit] = await bot.slack.wait_for("/api/chat.postMessage")
    assert f"killed TD job {job.job_id}" in texts(audit)

    running = await running_attempt(td)
    diagnosis = await bot.ask(f"diagnose {running.id}", user=USER)
    [kill] = assert_confirmed(diagnosis)  # a running attempt offers Kill, and only Kill
    assert kill["action_id"] == "tdbot.kill"
    hook = await bot.click(kill, user=ADMIN, message_ts="1700000300.000001")
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    assert "kill requested. TD cancels its running tasks as they notice" in texts(answer)
    # Only requested: the attempt reads canceling until its tasks notice.
    assert (await td.attempt(running.id)).status is AttemptStatus.CANCELING
    [_, audit] = await bot.slack.wait_for("/api/chat.postMessage", n=2)
    assert audit.body["thread_ts"] == "1700000300.000001"  # under the diagnosis
    assert f"<@{ADMIN}> requested a kill of attempt {running.id}" in texts(audit)
    # The bot follows the attempt and tells the thread how it ended, once TD is done.
    sandbox.advance(60)
    [*_, end] = await bot.slack.wait_for("/api/chat.postMessage", n=3, timeout=20)
    assert end.body["thread_ts"] == "1700000300.000001"
    assert f"attempt {running.id}" in texts(end) and "ended: killed" in texts(end)


async def test_a_retry_at_tds_attempt_limit_offers_to_queue_it(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    sandbox.set_attempt_limit(0)
    try:
        button = await confirm_button(bot, f"retry {old.id}")
        hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
        [answer] = await bot.slack.wait_for(hook, timeout=15)
        assert "limit of attempts running at once" in texts(answer)
        [queue] = [
            e
            for b in answer.body["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e.get("action_id") == "tdbot.retry_queued"
        ]
        assert json.loads(queue["value"]) == {"attempt_id": old.id} and "confirm" in queue

        again = await bot.click(queue, user=ADMIN, ephemeral=True, message_ts="1700000400.000001")
        [queued] = await bot.slack.wait_for(again, timeout=15)
        assert "Queued a retry" in texts(queued)
        [new] = [a for a in await td.session_attempts(old.session_id) if a.index > old.index]
        assert new.status is AttemptStatus.QUEUED
    finally:
        sandbox.set_attempt_limit(None)
