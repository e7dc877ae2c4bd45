"""The Retry… modal end to end: the button opens it (admins only), its submission retries
from the chosen task with the edited params, once however often it is submitted."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.fakes import slack_requests
from tests.fakes.slack_api import TEAM_ID
from tests.service.harness import ADMIN, CHANNEL, USER, Running, buttons, texts
from tests.service.test_actions import TRANSIENT
from tests.service.test_retry_how import put_bodies

THREAD = "1700000400.000001"


async def open_modal(bot: Running, td: TDClient, attempt_id: str, user: str) -> list[Any]:
    """Diagnose in a thread, then press Retry… on it: the views.open calls made."""
    await bot.mention(f"diagnose {attempt_id}", thread_ts=THREAD, user=user)
    [diagnosis] = await bot.slack.wait_for("/api/chat.postMessage", timeout=15)
    [how] = [b for b in buttons(diagnosis) if b["action_id"] == "tdbot.retry_how"]
    assert json.loads(how["value"]) == {"attempt_id": attempt_id}
    hook = await bot.click(how, user=user, message_ts="1700000400.000002", thread_ts=THREAD)
    if user != ADMIN:
        await bot.slack.wait_for(hook, timeout=15)
    await bot.service.bot.tasks.drain(grace=10)
    views = [c.body["view"] for c in bot.slack.calls("/api/views.open")]
    return [json.loads(v) if isinstance(v, str) else v for v in views]


def submission(view: dict[str, Any], *, how: str, task: str | None, params: str) -> bytes:
    """Slack's ``view_submission`` of ``view`` filled in this way."""
    values: dict[str, Any] = {
        "how": {"how": {"type": "radio_buttons", "selected_option": {"value": how}}},
        "params": {"params": {"type": "plain_text_input", "value": params}},
    }
    if task is not None:
        values["task"] = {"task": {"type": "static_select", "selected_option": {"value": task}}}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": ADMIN, "username": "admin", "team_id": TEAM_ID},
        "api_app_id": "A0FAKE0001",
        "token": "deprecated-verification-token",
        "trigger_id": "9.fake.trigger",
        "view": {**view, "id": "V0FAKE0001", "state": {"values": values}},
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


async def test_the_modal_lists_failed_tasks_first_and_its_submission_retries_once(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    wf = old.workflow.name
    [view] = await open_modal(bot, td, old.id, ADMIN)
    assert view["callback_id"] == "tdbot.retry_how"
    [task_block] = [b for b in view["blocks"] if b.get("block_id") == "task"]
    names = [o["value"] for o in task_block["element"]["options"]]
    assert names[0] == f"+{wf}+aggregate"  # the failed task first
    assert f"+{wf}+prepare" in names
    [params_block] = [b for b in view["blocks"] if b.get("block_id") == "params"]
    shown = params_block["element"]["initial_value"].splitlines()
    assert "target_date=2024-06-02" in shown and "full_refresh=true" in shown

    edited = "\n".join(
        "target_date=2024-06-03" if line.startswith("target_date=") else line for line in shown
    )
    body = submission(view, how="from", task=f"+{wf}+prepare", params=edited)
    # A double submit: the same view sent twice.
    await asyncio.gather(*(bot.post(body, slack_requests.FORM) for _ in range(2)))
    await bot.service.bot.tasks.drain(grace=10)

    [new] = [a for a in await td.session_attempts(old.session_id) if a.index == old.index + 1]
    assert put_bodies(sandbox) == [
        {
            "workflowId": old.workflow.id,
            "sessionTime": old.session_time_text,
            "params": old.params | {"target_date": "2024-06-03"},
            "retryAttemptName": new.retry_attempt_name,
            "resume": {"mode": "from", "attemptId": old.id, "from": f"+{wf}+prepare"},
        }
    ]
    told = bot.slack.calls("/api/chat.postEphemeral")
    assert sum("Nothing was sent to TD again" in texts(c) for c in told) == 1
    [audit] = [c for c in bot.slack.calls("/api/chat.postMessage") if "retried" in texts(c)]
    assert audit.body["thread_ts"] == THREAD and audit.body["channel"] == CHANNEL
    [watch] = await bot.service.store.open_watches()
    assert (watch.attempt_id, watch.thread_ts) == (new.id, THREAD)


async def test_a_bad_submission_is_answered_in_the_modal_and_sends_nothing(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    [view] = await open_modal(bot, td, old.id, ADMIN)
    no_task = await bot.post(
        submission(view, how="from", task=None, params=""), slack_requests.FORM
    )
    assert no_task.json() == {
        "response_action": "errors",
        "errors": {"task": "Pick the task to rerun from."},
    }
    bad = await bot.post(
        submission(view, how="failed", task=None, params="oops"), slack_requests.FORM
    )
    assert bad.json()["errors"]["params"] == "`oops` is not key=value"
    assert put_bodies(sandbox) == []


async def test_a_non_admin_gets_no_modal_and_td_sees_nothing(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    await bot.mention(f"diagnose {old.id}", thread_ts=THREAD, user=USER)
    await bot.slack.wait_for("/api/chat.postMessage", timeout=15)
    before = len(sandbox.requests.records)
    [diagnosis] = bot.slack.calls("/api/chat.postMessage")
    [how] = [b for b in buttons(diagnosis) if b["action_id"] == "tdbot.retry_how"]
    hook = await bot.click(how, user=USER, message_ts="1700000400.000002", thread_ts=THREAD)
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    await bot.service.bot.tasks.drain(grace=10)
    assert "Only tdbot admins (TDBOT_ADMINS) may retry" in texts(answer)
    assert bot.slack.calls("/api/views.open") == []
    assert len(sandbox.requests.records) == before
