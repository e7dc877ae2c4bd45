"""Owners end to end: set with /td as Slack sends mentions, mentioned by alerts, not on recovery."""

from __future__ import annotations

import uuid

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.fakes import slack_requests
from tests.service.harness import CHANNEL, USER, Running, texts
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

    attempt = await td.attempt(failed)
    assert attempt.workflow.id is not None
    await td.start_attempt(
        attempt.workflow.id,
        attempt.session_time_text,
        attempt.params,
        retry_attempt_name=f"retry-{uuid.uuid4().hex[:8]}",
        resume_failed_attempt_id=attempt.id,
    )
    sandbox.advance(600)
    await bot.service.poller.poll_once()
    await bot.service.poller.poll_once()
    [update] = bot.slack.calls("/api/chat.update")
    assert "recovered by attempt #2" in str(update.body["blocks"])
    recovery = alerts(bot)[-1]
    for sent in (update.body, recovery):
        assert OWNER not in str(sent) and GROUP not in str(sent)
    assert recovery["channel"] == CHANNEL and recovery["thread_ts"] == alert_ts(bot)


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
