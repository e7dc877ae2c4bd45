"""The App Home board over HTTP: a signed ``app_home_opened`` -> the running app ->
``views.publish`` to the fake Slack, read from a store the real poller filled from the
sandbox (or, for the statuses issue 12 adds, written through the store's API)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.actions import session_time_text
from bot.alerts import Poller
from bot.notify import SlackNotifier, slack_client
from bot.present.format import duration
from bot.present.home import HOME_BLOCKS_AT_MOST
from bot.sandbox import Sandbox
from bot.slack.home import HomeSource
from bot.store import Store
from bot.td import TDClient
from bot.td.models import Attempt
from tests.alerts.chat_fakes import SlackWithHistory
from tests.alerts.conftest import CHANNEL, KEEPS_FAILING, LAB, OTHER_CHANNEL
from tests.alerts.conftest import poller as poller
from tests.alerts.conftest import sandbox as sandbox
from tests.alerts.conftest import store as store
from tests.alerts.conftest import td as td
from tests.alerts.test_slack_e2e import slack as slack
from tests.fakes.slack_api import Call
from tests.slack.harness import BotUnderTest, running_bot

LEAD = "U0LEAD0001"
ONCALL = "U0ONCALL01"
STRANGER = "U0STRANGER"
PRIVATE = "G0SECRET01"


@pytest.fixture
def notifier(slack: SlackWithHistory) -> SlackNotifier:
    """The alert tests' poller, posting to the fake Slack."""
    return SlackNotifier(slack_client(slack.token, slack.api_url, retry_rate_limits=False))


@pytest.fixture
async def bot(
    sandbox: Sandbox, slack: SlackWithHistory, store: Store
) -> AsyncIterator[BotUnderTest]:
    # Polls every 60 s, as /healthz reckons: a success older than 240 s is stale.
    home = HomeSource(store, poll_max_age=240, clock=sandbox.clock.now)
    async with running_bot(sandbox.api_key, sandbox.endpoints(), slack, home=home) as running:
        yield running


async def published(bot: BotUnderTest, user: str, n: int = 1) -> dict[str, Any]:
    """Open ``user``'s Home tab; the view the bot published for them."""
    response = await bot.open_home(user)
    assert response.status_code == 200, response.text
    calls = await bot.slack.wait_for("/api/views.publish", n, timeout=10)
    call: Call = calls[n - 1]
    assert call.body["user_id"] == user
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def alert_failure(
    td: TDClient, store: Store, sandbox: Sandbox, slack: SlackWithHistory, poller: Poller
) -> tuple[Attempt, str]:
    """The real poller alerts a failed run of LAB/KEEPS_FAILING in CHANNEL: (attempt, ts)."""
    await poller.poll_once()
    await store.add_subscription(CHANNEL, LAB, created_by=LEAD)
    sandbox.fail_next(f"{LAB}/{KEEPS_FAILING}", KEEPS_FAILING)
    sandbox.advance(600)
    await poller.poll_once()
    [parent, *_] = slack.posted(CHANNEL)
    attempt_id = sandbox.last_attempt_id(f"{LAB}/{KEEPS_FAILING}")
    assert attempt_id is not None
    return await td.attempt(attempt_id), str(parent["ts"])


async def test_opening_home_publishes_the_failure_its_claimer_and_health(
    bot: BotUnderTest,
    td: TDClient,
    store: Store,
    sandbox: Sandbox,
    slack: SlackWithHistory,
    poller: Poller,
) -> None:
    failed, parent_ts = await alert_failure(td, store, sandbox, slack, poller)
    alerted_at = sandbox.clock.now()
    assert failed.finished_at is not None and failed.finished_at < alerted_at
    sandbox.advance(20 * 60)
    await store.take_alert(CHANNEL, failed.session_id, ONCALL)
    sandbox.advance(35 * 60)
    slack.join(LEAD, CHANNEL, "C0RANDOM01")

    view = await published(bot, LEAD)

    assert view["type"] == "home"
    shown = text_of(view)
    failing = next(b for b in view["blocks"] if f"{LAB}/{KEEPS_FAILING}" in json.dumps(b))
    line = failing["text"]["text"]
    assert f"<@{ONCALL}> on it for 35m 00s" in line
    # The run as TD names it, and when it failed (not when the alert was posted) and how
    # long ago.
    assert f"{LAB}/{KEEPS_FAILING}* · {session_time_text(failed.session_time)} session · " in line
    assert f"session `{failed.session_id}`" not in line
    ago = duration((sandbox.clock.now() - failed.finished_at).total_seconds())
    assert ago != "55m 00s"  # the alert's age would be that: the run failed before it
    assert f"failed <!date^{int(failed.finished_at.timestamp())}^" in line
    assert f"({ago} ago)" in line and f"<!date^{int(alerted_at.timestamp())}^" not in line
    assert f"https://fake.slack.com/archives/{CHANNEL}/p{parent_ts.replace('.', '')}" in line
    assert "Failing now* (1)" in shown
    assert "last successful poll" in shown and "TD reachable" in shown
    assert "(55m 00s ago), :warning: older than it should be" in shown  # no poll since
    assert f"<#{CHANNEL}>: `{LAB}`" in shown  # the channel's scope
    [conversations] = slack.calls("/api/users.conversations")
    assert conversations.body["user"] == LEAD
    assert not slack.calls("/api/chat.getPermalink")


async def test_the_messages_tab_publishes_nothing(bot: BotUnderTest) -> None:
    response = await bot.open_home(LEAD, tab="messages")
    assert response.status_code == 200
    await bot.open_home(LEAD)
    await bot.slack.wait_for("/api/views.publish", timeout=10)
    assert len(bot.slack.calls("/api/views.publish")) == 1


async def test_a_person_sees_only_the_channels_they_are_in(
    bot: BotUnderTest, store: Store, slack: SlackWithHistory, sandbox: Sandbox
) -> None:
    await store.add_subscription(PRIVATE, "secret_project", created_by=LEAD)
    await store.set_thread(
        PRIVATE,
        "s-private",
        "1700000000.000001",
        status="failing",
        attempt_id="91",
        project="secret_project",
        workflow="payroll",
    )
    slack.join(LEAD, PRIVATE)
    slack.join(STRANGER, OTHER_CHANNEL)

    stranger = text_of(await published(bot, STRANGER))
    member = text_of(await published(bot, LEAD, 2))

    assert "secret_project" not in stranger and PRIVATE not in stranger
    assert "Failing now* (0)" in stranger and "_nothing_" in stranger
    assert "none of your channels is subscribed" in stranger
    assert "secret_project/payroll" in member and f"<#{PRIVATE}>" in member


async def test_a_board_of_many_alerts_stays_within_100_blocks(
    bot: BotUnderTest, store: Store, slack: SlackWithHistory, sandbox: Sandbox
) -> None:
    """The statuses of issue 12 fill their sections; what does not fit is counted."""
    start = sandbox.clock.now()
    kinds = {"failing": 137, "digest": 3, "running_long": 12, "late": 2, "not_started": 0}
    kinds["schedule_disabled"] = 9
    for status, n in kinds.items():
        for i in range(n):
            await store.set_thread(
                CHANNEL,
                f"{status}-{i}",
                f"1700000000.{i:06d}",
                status=status,
                attempt_id=str(1000 + i),
                project="estate",
                workflow=f"{status}_{i:03d}",
                now=start + timedelta(minutes=i),
            )
    await store.set_thread(
        CHANNEL, "closed", "1700000001.000001", status="recovered", attempt_id="1",
        project="estate", workflow="recovered_one",
    )  # fmt: skip
    for i in range(30):
        await store.add_subscription(f"C0MANY{i:04d}", f"project_{i}", created_by=LEAD)
    slack.join(LEAD, CHANNEL, *(f"C0MANY{i:04d}" for i in range(30)))

    view = await published(bot, LEAD)

    blocks = view["blocks"]
    shown = text_of(view)
    assert len(blocks) <= HOME_BLOCKS_AT_MOST <= 100
    assert "Failing now* (140)" in shown and "and 100 more failing workflows" in shown
    assert "Running long* (12)" in shown and "and 4 more long runs" in shown
    assert "Late* (2)" in shown and "estate/late_001" in shown
    assert "Not started* (0)" in shown
    assert "Schedules disabled* (9)" in shown and "and 1 more disabled schedules" in shown
    assert "recovered_one" not in shown
    assert "and 15 more channels" in shown
    # Oldest first: the first failures are listed, the newest are counted.
    assert "estate/failing_000" in shown and "estate/failing_136" not in shown
    assert "Health" in shown


async def test_one_open_costs_three_store_queries_and_one_slack_call_once_warm(
    bot: BotUnderTest, store: Store, slack: SlackWithHistory, sandbox: Sandbox
) -> None:
    """Cold: users.conversations and auth.test too; warm (within a minute): views.publish only.

    No TD request either way beyond /healthz's cached check (asked at most every 15 s).
    """
    slack.join(LEAD, CHANNEL)
    await store.add_subscription(CHANNEL, LAB, created_by=LEAD)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statement = str(args[2]).split()[0]
        if statement != "BEGIN":  # SQLite's transaction start, not a query
            statements.append(statement)

    event.listen(store.database.engine.sync_engine, "before_cursor_execute", count)
    sandbox.requests.clear()
    await published(bot, LEAD)
    cold = sorted({c.path for c in slack.calls()})
    cold_td = sorted({r.path for r in sandbox.requests.records})
    slack.clear()
    sandbox.requests.clear()
    first = len(statements)
    await published(bot, LEAD)
    event.remove(store.database.engine.sync_engine, "before_cursor_execute", count)

    assert cold == ["/api/auth.test", "/api/users.conversations", "/api/views.publish"]
    assert [c.path for c in slack.calls()] == ["/api/views.publish"]
    assert first == 3 and statements == ["SELECT"] * 6
    assert cold_td == ["/v3/system/server_status"]  # the health check's, then cached
    assert sandbox.requests.records == []


async def test_a_refused_membership_lookup_says_so_on_the_tab(
    bot: BotUnderTest, slack: SlackWithHistory
) -> None:
    slack.reject(1, error="missing_scope", path="/api/users.conversations")
    shown = text_of(await published(bot, LEAD))
    assert "channels:read and groups:read" in shown and "reinstall" in shown
    # Not cached: the next open asks again and shows the board.
    shown = text_of(await published(bot, LEAD, 2))
    assert "Failing now* (0)" in shown
