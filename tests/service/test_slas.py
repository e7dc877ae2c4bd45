"""`sla` / `slas` over signed HTTP, and a running-long alert in the served bot (fake Slack)."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.alerts.silent_kit import PROJECT, WORKFLOW, Runs
from tests.fakes import slack_requests
from tests.service.harness import CHANNEL, USER, Running, texts
from tests.service.test_ownership import button_of

SCOPE = f"{PROJECT}/{WORKFLOW}"


async def test_sla_sets_each_limit_and_slas_lists_them_with_the_baseline(bot: Running) -> None:
    store = bot.service.store
    answer = await bot.ask(f"sla {SCOPE} runtime 2h")
    assert answer.body["response_type"] == "in_channel"
    assert "still running after 2h 00m is alerted as running long" in texts(answer)
    answer = await bot.ask(f"sla {PROJECT} within 3h30m")
    assert (
        "a scheduled session that has not succeeded 3h 30m after its session time is "
        "alerted as late" in texts(answer)
    )
    await bot.ask(f"sla {SCOPE} within 1h")  # the workflow's own within; its runtime stays
    limits = await store.sla_for(PROJECT, WORKFLOW)
    assert limits.runtime == timedelta(hours=2) and limits.runtime_scope == SCOPE
    assert limits.within == timedelta(hours=1) and limits.within_scope == SCOPE

    await bot.ask(f"subscribe {SCOPE}")
    listed = texts(await bot.ask("slas"))
    # Named as the alert names it ("limit 2h: `sla <scope> runtime`").
    assert f"runtime 2h 00m (`sla {SCOPE} runtime`)" in listed
    assert "learning: 0 of 5 good runs seen" in listed

    cleared = await bot.ask(f"sla {SCOPE} off")
    assert f"No limits for {SCOPE}" in texts(cleared)
    limits = await store.sla_for(PROJECT, WORKFLOW)
    assert limits.runtime is None and limits.within == timedelta(hours=3, minutes=30)
    assert limits.within_scope == PROJECT


async def _ack(bot: Running, text: str) -> str:
    """A usage error is answered in the slash command's own HTTP response (its ack)."""
    body = slack_requests.slash_command(
        text, bot.slack.base_url + "/hooks/typed", user=USER, channel=CHANNEL
    )
    ack = (await bot.post(body, slack_requests.FORM)).json()
    assert ack["response_type"] == "ephemeral"
    return str(ack["blocks"])


async def test_sla_mistakes_are_answered(bot: Running) -> None:
    assert "is not a duration" in await _ack(bot, f"sla {SCOPE} runtime soon")
    assert "runtime &lt;duration&gt;" in await _ack(bot, f"sla {SCOPE} deadline 2h")
    assert "1 minute to 30 days" in await _ack(bot, f"sla {SCOPE} runtime 31d")
    assert "There is no project" in texts(await bot.ask("sla no_such_project runtime 1h"))
    assert await bot.service.store.all_slas() == []


async def test_a_running_long_alert_in_slack_and_i_am_on_it(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    await bot.ask(f"subscribe {SCOPE}")
    await bot.ask(f"sla {SCOPE} runtime 30m")
    await bot.service.poller.poll_once()  # the first poll: history is not news
    hanging = await Runs(sandbox, td).start(hang=timedelta(hours=3))
    sandbox.advance(60)
    await bot.service.poller.poll_once()  # seen running: watched
    await bot.service.poller.poll_once()  # (the served bot's clock is the wall clock)

    [alert] = [
        c.body
        for c in bot.slack.calls("/api/chat.postMessage")
        if c.body.get("channel") == CHANNEL and "Running long" in str(c.body.get("blocks"))
    ]
    assert alert["metadata"]["event_payload"] == {"claims": [f"running_long:{hanging.id}"]}
    assert f"{SCOPE} running long" in str(alert["text"])
    on_it = button_of(alert["blocks"], "tdbot.on_it")
    button_of(alert["blocks"], "tdbot.mute")
    button_of(alert["blocks"], "tdbot.kill")

    thread = await bot.service.store.get_thread(CHANNEL, hanging.session_id)
    assert thread is not None
    await bot.click(on_it, user=USER, message_ts=thread.parent_ts)
    [taken] = await bot.slack.wait_for("/api/chat.update", timeout=15)
    assert taken.body["ts"] == thread.parent_ts
    blocks = str(taken.body["blocks"])
    assert "Running long" in blocks and f"<@{USER}> is on it since" in blocks


async def test_sla_off_says_which_wider_limits_still_apply(bot: Running) -> None:
    # "nothing is late" after `sla <workflow> off` was false while its project had `within`.
    await bot.ask(f"sla {PROJECT} within 3h")
    await bot.ask(f"sla {SCOPE} runtime 2h")
    cleared = texts(await bot.ask(f"sla {SCOPE} off"))
    assert "nothing is late" not in cleared
    assert f"late past 3h 00m (`sla {PROJECT} within`)" in cleared
    assert "learned baseline" in cleared

    await bot.ask(f"sla {PROJECT} off")
    cleared = texts(await bot.ask(f"sla {SCOPE} off"))
    assert "nothing is late" in cleared and "learned baseline" in cleared


async def test_a_hint_with_a_placeholder_shows_it_not_a_broken_link(bot: Running) -> None:
    # Raw `<project>` in mrkdwn is Slack's link syntax: the reader saw "project[/workflow]".
    for asked in ("slas", "subscriptions", "owners", "report weekly"):
        blocks = str((await bot.ask(asked)).body["blocks"])
        assert "&lt;project&gt;" in blocks, asked
        assert "<project>" not in blocks, asked


async def test_slas_shows_the_baseline_seeded_from_tds_history(bot: Running) -> None:
    # web_analytics has four days of runs at TD: ~90 of pageviews_hourly, 4 of the dailies.
    await bot.ask("subscribe web_analytics")
    assert "learning" not in texts(await bot.ask("slas"))  # no workflow known yet

    # The first round reads the schedules, then seeds; at this test's settings (polls
    # an hour apart) a round may spend one poll's share: one history read per round.
    for _ in range(3):
        assert (await bot.service.schedules.round()).seeded == 1

    listed = texts(await bot.ask("slas"))
    assert "`web_analytics/pageviews_hourly`: p95 of its last 20 good runs:" in listed
    assert "`web_analytics/bot_filter`: learning: 4 of 5 good runs seen" in listed
    assert "`web_analytics/sessions_rollup`: learning: 4 of 5 good runs seen" in listed
