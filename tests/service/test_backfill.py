"""`/td backfill` from Slack, end to end: TD's dry run first, the backfill after the click,
once however often it is clicked, admins only, audited, and each session's end watched."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.sandbox import Sandbox
from bot.store import ActionKind, ActionState
from bot.td import TDClient
from tests.service.harness import ADMIN, USER, Running, buttons, texts
from tests.service.test_actions import CONFIRM_TS

WORKFLOW = "sales_daily/sales_daily"  # a daily schedule in Asia/Tokyo
COMMAND = "backfill Sales_Daily/sales_daily from 2024-05-29 count 3"
TIMES = ["2024-05-29 00:00 +09:00", "2024-05-30 00:00 +09:00", "2024-05-31 00:00 +09:00"]


def backfill_posts(sandbox: Sandbox) -> list[tuple[int, Any]]:
    return [
        (r.status, json.loads(r.body))
        for r in sandbox.requests.records
        if r.method == "POST" and r.path.endswith("/backfill")
    ]


async def attempts_named(td: TDClient, name: str) -> list[str]:
    return [
        a.session_time_text
        async for a in td.iter_attempts(project="sales_daily", workflow="sales_daily")
        if a.retry_attempt_name == name
    ]


async def test_a_dry_run_first_then_one_backfill_however_often_it_is_clicked(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    answer = await bot.ask(COMMAND, user=ADMIN)
    assert answer.body["response_type"] == "ephemeral"
    shown = texts(answer)
    assert all(time in shown for time in TIMES) and "3 sessions" in shown
    [(status, dry)] = backfill_posts(sandbox)
    assert status == 200 and dry["dryRun"] is True and dry["count"] == 3
    assert dry["fromTime"] == "2024-05-29T00:00:00+09:00"
    assert await attempts_named(td, dry["attemptName"]) == []  # a dry run starts nothing

    [button] = buttons(answer)
    assert button["action_id"] == "tdbot.backfill" and button["confirm"]["text"]["text"]
    project = await td.project_by_name("sales_daily")
    assert project is not None
    schedule = await td.schedule_of(project.id, "sales_daily")
    assert schedule is not None
    assert json.loads(button["value"]) == {
        "schedule_id": schedule.id,
        "from": "2024-05-29T00:00:00+09:00",
        "count": 3,
        "name": dry["attemptName"],
    }

    # A double click, and later a click of the same button seen in another message.
    hooks = await asyncio.gather(
        *(bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS) for _ in range(2))
    )
    answers = [(await bot.slack.wait_for(hook, timeout=15))[0] for hook in hooks]
    await bot.service.bot.tasks.drain(grace=10)
    late = await bot.click(button, user=ADMIN, message_ts="1700000300.000001")
    [late_answer] = await bot.slack.wait_for(late, timeout=15)
    await bot.service.bot.tasks.drain(grace=10)

    runs = [body for _, body in backfill_posts(sandbox) if body["dryRun"] is False]
    assert len(runs) == 2  # the double click sent one; the late click was refused by TD
    assert [s for s, b in backfill_posts(sandbox) if b["dryRun"] is False] == [200, 409]
    assert runs[0] == dry | {"dryRun": False}
    started = sorted(await attempts_named(td, dry["attemptName"]))
    assert started == [
        "2024-05-29T00:00:00+09:00",
        "2024-05-30T00:00:00+09:00",
        "2024-05-31T00:00:00+09:00",
    ]
    said = sorted(texts(a) for a in answers)
    assert sum("Backfilling sales_daily/sales_daily: 3 session(s)" in s for s in said) == 1
    assert sum("Nothing was sent to TD again" in s for s in said) == 1
    assert "this backfill already ran" in texts(late_answer)

    records = await bot.service.store.actions(user_id=ADMIN)
    assert [r.action for r in records] == [ActionKind.BACKFILL] * 2
    assert sorted(r.state for r in records) == [ActionState.SUCCEEDED] * 2
    # Each session started is watched, and its end posted once.
    watches = await bot.service.store.open_watches()
    assert len(watches) == 3
    sandbox.advance(4 * 3600)
    assert await bot.service.watcher.tick() == 3
    assert await bot.service.watcher.tick() == 0


async def test_a_non_admin_sends_nothing_to_td_and_is_audited(
    bot: Running, sandbox: Sandbox
) -> None:
    before = len(sandbox.requests.records)
    answer = await bot.ask(COMMAND, user=USER)
    assert "Only tdbot admins (TDBOT_ADMINS) may backfill" in texts(answer)
    assert not buttons(answer)
    assert len(sandbox.requests.records) == before
    [record] = await bot.service.store.actions(user_id=USER)
    assert (record.action, record.state) == (ActionKind.BACKFILL, ActionState.FAILED)


async def test_to_a_time_keeps_the_sessions_up_to_it_and_a_misspelt_name_is_helped(
    bot: Running, sandbox: Sandbox
) -> None:
    answer = await bot.ask(
        "backfill sales_daily/sales_daily from 2024-05-30 to 2024-05-31", user=ADMIN
    )
    assert "2 sessions" in texts(answer) and TIMES[1] in texts(answer)
    assert TIMES[2] in texts(answer) and TIMES[0] not in texts(answer)
    typo = await bot.ask("backfill sales_daily/sales_dialy from 2024-05-30 count 1", user=ADMIN)
    assert "did you mean `sales_daily`" in texts(typo)
    assert all(body["dryRun"] for _, body in backfill_posts(sandbox))
