"""Alerts in the served bot: subscribe with /td, a run fails, one alert; its buttons work."""

from __future__ import annotations

import json

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.alerts.chat_fakes import marks_of
from tests.service.harness import ADMIN, CHANNEL, USER, Running, buttons, texts
from tests.service.test_actions import assert_confirmed

LAB = "diagnosis_lab"
RECOVERS = "presto_cluster_out_of_memory"  # a lab workflow whose retries succeed


def marked(bot: Running) -> list[dict[str, object]]:
    """Every post the poller made: alerts and the replies marked after them ("<id>:<what>")."""
    return [
        c.body
        for c in bot.slack.calls("/api/chat.postMessage")
        if (c.body.get("metadata") or {}).get("event_type") == "tdbot_alert"
    ]


def alerts(bot: Running) -> list[dict[str, object]]:
    """The alerts themselves: not the replies that follow them (diagnosis, escalation)."""
    return [m for m in marked(bot) if not any(":" in mark for mark in marks_of(m))]


async def failed_run(bot: Running, sandbox: Sandbox) -> str:
    """Subscribe the channel, let a lab run fail, poll: the failed attempt's id."""
    answer = await bot.ask(f"subscribe {LAB}/{RECOVERS}")
    assert answer.body["response_type"] == "in_channel"
    assert f"Subscribed: {LAB}/{RECOVERS}" in texts(answer)
    await bot.service.poller.poll_once()  # the first poll: history is not news
    assert alerts(bot) == []
    sandbox.fail_next(f"{LAB}/{RECOVERS}", RECOVERS)
    sandbox.advance(600)
    await bot.service.poller.poll_once()
    failed = sandbox.last_attempt_id(f"{LAB}/{RECOVERS}")
    assert failed is not None
    return failed


async def test_a_failed_run_is_alerted_once_with_confirmed_buttons(
    bot: Running, sandbox: Sandbox
) -> None:
    failed = await failed_run(bot, sandbox)
    await bot.service.poller.poll_once()  # nothing new: nothing more

    [alert] = alerts(bot)
    assert alert["channel"] == CHANNEL
    assert f"{LAB}/{RECOVERS}" in str(alert["text"])
    assert alert["metadata"] == {"event_type": "tdbot_alert", "event_payload": {"claims": [failed]}}
    [call] = [c for c in bot.slack.calls("/api/chat.postMessage") if c.body is alert]
    [retry] = assert_confirmed(call)
    assert json.loads(retry["value"]) == {"attempt_id": failed}
    assert {b["action_id"] for b in buttons(call)} == {
        "tdbot.diagnose",
        "tdbot.retry_failed",
        "tdbot.retry_how",
        "tdbot.on_it",
        "tdbot.mute",
    }
    assert 'tdbot_alerts_posted_total{kind="failure"} 1.0' in await bot.metrics()
    # The evidence is the thread's first reply, posted with the alert.
    [_, diagnosis] = marked(bot)
    assert diagnosis["thread_ts"] is not None
    assert f"Diagnosis: {LAB}/{RECOVERS} attempt {failed}" in str(diagnosis["blocks"])


async def test_alert_buttons_and_why_in_its_thread(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    failed = await failed_run(bot, sandbox)
    [call, _] = [c for c in bot.slack.calls("/api/chat.postMessage") if c.body.get("metadata")]
    # The ts Slack gave the alert, as the poller recorded it.
    thread = await bot.service.store.get_thread(CHANNEL, (await td.attempt(failed)).session_id)
    assert thread is not None and thread.attempt_id == failed
    ts = thread.parent_ts
    by_id = {b["action_id"]: b for b in buttons(call)}

    # "@tdbot why" in the alert's thread: the store knows which attempt it is about.
    await bot.mention("why?", thread_ts=ts)
    [*_, why] = await bot.slack.wait_for("/api/chat.postMessage", n=3, timeout=15)
    assert why.body["thread_ts"] == ts
    assert f"attempt {failed}" in texts(why)

    # Diagnose: the diagnosis goes into the thread, with its own confirmed Retry.
    await bot.click(by_id["tdbot.diagnose"], user=USER, message_ts=ts)
    [*_, diagnosis] = await bot.slack.wait_for("/api/chat.postMessage", n=4, timeout=15)
    assert diagnosis.body["thread_ts"] == ts
    assert f"Diagnosis: {LAB}/{RECOVERS} attempt {failed}" in texts(diagnosis)
    [retry] = assert_confirmed(diagnosis)
    assert json.loads(retry["value"]) == {"attempt_id": failed}

    # Mute 4h: anyone may, and the thread hears of it.
    hook = await bot.click(by_id["tdbot.mute"], user=USER, message_ts=ts)
    [*_, muted] = await bot.slack.wait_for("/api/chat.postMessage", n=5, timeout=15)
    assert muted.body["thread_ts"] == ts
    assert f"Muted for 4h: {LAB}/{RECOVERS}" in texts(muted)
    [mute] = await bot.service.store.mutes(CHANNEL)
    assert (mute.project, mute.workflow, mute.created_by) == (LAB, RECOVERS, USER)
    assert bot.slack.calls(hook) == []  # answered in the thread, not privately

    # Retry failed tasks, by an admin: the audit line goes into the alert's thread.
    hook = await bot.click(by_id["tdbot.retry_failed"], user=ADMIN, message_ts=ts)
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    assert answer.body["response_type"] == "ephemeral"
    [*_, audit] = await bot.slack.wait_for("/api/chat.postMessage", n=6, timeout=15)
    assert audit.body["thread_ts"] == ts
    assert f"<@{ADMIN}> retried failed tasks of attempt {failed}" in texts(audit)
