"""Owners end to end: set with /td as Slack sends mentions, mentioned by alerts, not on recovery."""

from __future__ import annotations

import uuid
from typing import Any

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.fakes import slack_requests
from tests.service.harness import ADMIN, CHANNEL, USER, Running, texts
from tests.service.test_alerts import LAB, RECOVERS, alerts, failed_run

OWNER = "U0OWNER001"
GROUP = "S0ONCALL01"


async def test_owners_are_mentioned_on_failure_and_not_on_recovery(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    scope = f"{LAB}/{RECOVERS}"
    answer = await bot.ask(f"owner {scope} <@{OWNER}|alice> <!subteam^{GROUP}|@data-oncall>")
    assert answer.body["response_type"] == "in_channel"
    assert f"<@{OWNER}> <!subteam^{GROUP}>" in texts(answer)
    listed = await bot.ask("owners")
    assert listed.body["response_type"] == "ephemeral" and scope in texts(listed)

    failed = await failed_run(bot, sandbox)
    [alert] = alerts(bot)
    assert f"*Owners:* <@{OWNER}> <!subteam^{GROUP}>" in str(alert["blocks"])
    assert "<!channel>" not in str(alert) and "<!here>" not in str(alert)

    await retry_in_td(td, failed)
    sandbox.advance(600)
    await bot.service.poller.poll_once()
    await bot.service.poller.poll_once()
    [update] = bot.slack.calls("/api/chat.update")
    assert "recovered by attempt #2" in str(update.body["blocks"])
    recovery = alerts(bot)[-1]
    for sent in (update.body, recovery):
        assert OWNER not in str(sent) and GROUP not in str(sent)
    assert recovery["channel"] == CHANNEL and recovery["thread_ts"] == alert_ts(bot)


async def retry_in_td(td: TDClient, attempt_id: str) -> None:
    """Retry the failed tasks at TD, as the Retry button would."""
    attempt = await td.attempt(attempt_id)
    assert attempt.workflow.id is not None
    await td.start_attempt(
        attempt.workflow.id,
        attempt.session_time_text,
        attempt.params,
        retry_attempt_name=f"retry-{uuid.uuid4().hex[:8]}",
        resume_failed_attempt_id=attempt.id,
    )


def alert_ts(bot: Running) -> str:
    [update] = bot.slack.calls("/api/chat.update")
    return str(update.body["ts"])


async def test_an_owner_typed_without_slack_markup_is_refused(bot: Running) -> None:
    # A usage error is answered in the slash command's own HTTP response (its ack).
    body = slack_requests.slash_command(
        f"owner {LAB} @alice", bot.slack.base_url + "/hooks/typed", user=USER, channel=CHANNEL
    )
    ack = (await bot.post(body, slack_requests.FORM)).json()
    assert ack["response_type"] == "ephemeral"
    assert "not a mention Slack sent" in str(ack["blocks"])
    unknown = await bot.ask(f"owner no_such_project <@{OWNER}>")
    assert "There is no project" in texts(unknown)


def button_of(blocks: Any, action_id: str) -> dict[str, Any]:
    for block in blocks:
        for element in block.get("elements", ()) if block["type"] == "actions" else ():
            if element["action_id"] == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button")


async def test_on_it_edits_the_parent_and_a_takeover_is_recorded(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    failed = await failed_run(bot, sandbox)
    [alert] = alerts(bot)
    thread = await bot.service.store.get_thread(CHANNEL, (await td.attempt(failed)).session_id)
    assert thread is not None
    ts = thread.parent_ts
    on_it = button_of(alert["blocks"], "tdbot.on_it")
    assert on_it["text"]["text"] == "I'm on it"

    await bot.click(on_it, user=USER, message_ts=ts)
    [taken] = await bot.slack.wait_for("/api/chat.update", timeout=15)
    assert taken.body["ts"] == ts
    assert f"<@{USER}> is on it since" in str(taken.body["blocks"])
    release = button_of(taken.body["blocks"], "tdbot.release")
    holder = await bot.service.store.on_it(CHANNEL, thread.session_id)
    assert holder is not None and holder.user_id == USER

    # A second person sees who has it, privately, and may take it over.
    hook = await bot.click(release, user=ADMIN, message_ts=ts)
    [note] = await bot.slack.wait_for(hook, timeout=15)
    assert note.body["response_type"] == "ephemeral"
    assert f"<@{USER}> is on it since" in texts(note)
    take_over = button_of(note.body["blocks"], "tdbot.take_over")
    await bot.click(take_over, user=ADMIN, ephemeral=True)
    [_, moved] = await bot.slack.wait_for("/api/chat.update", n=2, timeout=15)
    assert f"<@{ADMIN}> is on it since" in str(moved.body["blocks"])
    [*_, record] = await bot.slack.wait_for("/api/chat.postMessage", n=3, timeout=15)
    assert record.body["thread_ts"] == ts
    assert f"<@{ADMIN}> took this over from <@{USER}>" in texts(record)

    # The holder releases it: the button is I'm on it again.
    await bot.click(button_of(moved.body["blocks"], "tdbot.release"), user=ADMIN, message_ts=ts)
    [*_, freed] = await bot.slack.wait_for("/api/chat.update", n=3, timeout=15)
    assert button_of(freed.body["blocks"], "tdbot.on_it")["text"]["text"] == "I'm on it"
    assert await bot.service.store.on_it(CHANNEL, thread.session_id) is None
