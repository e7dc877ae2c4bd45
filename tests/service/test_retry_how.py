"""`retry ... from <+task>` and `retry ... with key=value` from Slack, end to end: the
confirmation, the click, and the exact `PUT /api/attempts` body the sandbox received."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox import Sandbox
from bot.td import TDClient
from bot.td.models import AttemptStatus
from tests.service.harness import ADMIN, Running, buttons, texts
from tests.service.test_actions import CONFIRM_TS, TRANSIENT, confirm_button


def put_bodies(sandbox: Sandbox) -> list[Any]:
    return [
        json.loads(r.body)
        for r in sandbox.requests.records
        if r.method == "PUT" and r.path == "/api/attempts"
    ]


async def test_retry_from_a_task_sends_resume_mode_from_and_reruns_from_there(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    wf = old.workflow.name
    before = {t.full_name: t for t in await td.tasks(old.id)}

    # `+prepare` is short for the workflow's own `+<wf>+prepare`.
    button = await confirm_button(bot, f"retry {old.id} from +prepare")
    assert json.loads(button["value"]) == {"attempt_id": old.id, "from": f"+{wf}+prepare"}
    assert f"from +{wf}+prepare" in button["confirm"]["text"]["text"]
    assert put_bodies(sandbox) == []

    hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
    [answer] = await bot.slack.wait_for(hook, timeout=15)
    [new] = [a for a in await td.session_attempts(old.session_id) if a.index == old.index + 1]
    assert put_bodies(sandbox) == [
        {
            "workflowId": old.workflow.id,
            "sessionTime": old.session_time_text,
            "params": old.params,
            "retryAttemptName": new.retry_attempt_name,
            "resume": {"mode": "from", "attemptId": old.id, "from": f"+{wf}+prepare"},
        }
    ]
    assert new.retry_attempt_name is not None
    assert new.retry_attempt_name.startswith(f"tdbot-retry-{old.id}-")
    assert f"From +{wf}+prepare on, every task runs again" in texts(answer)

    sandbox.advance(2 * 3600)
    assert (await td.attempt(new.id)).status is AttemptStatus.SUCCESS
    after = {t.full_name: t for t in await td.tasks(new.id)}
    # Unlike a retry of the failed tasks, the successful +prepare ran again.
    assert before[f"+{wf}+prepare"].state.value == "success"
    assert after[f"+{wf}+prepare"].started_at is not None
    assert after[f"+{wf}+prepare"].started_at != before[f"+{wf}+prepare"].started_at


async def test_a_misspelt_task_gets_did_you_mean_and_no_button(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    answer = await bot.ask(f"retry {old.id} from +agregate", user=ADMIN)
    assert "has no task +agregate" in texts(answer)
    assert f"did you mean +{old.workflow.name}+aggregate" in texts(answer)
    assert not buttons(answer)
    assert put_bodies(sandbox) == []


async def test_retry_with_params_shows_the_changes_and_sends_them_over_the_attempts_own(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    old = await td.attempt(sandbox.case_attempt_id(TRANSIENT))
    assert old.params["target_date"] == "2024-06-02" and old.params["full_refresh"] is True

    text = f"retry {old.id} with target_date=2024-06-03 full_refresh=false sample_rate=0.25 x=1"
    answer = await bot.ask(text, user=ADMIN)
    shown = texts(answer)
    assert '`target_date`: `"2024-06-02"` → `"2024-06-03"`' in shown
    assert "`full_refresh`: `true` → `false`" in shown  # it stays a JSON bool
    assert '`x`: (not set) → `"1"`' in shown
    assert "sample_rate" not in shown  # the same value: no change
    [button] = buttons(answer)
    assert json.loads(button["value"]) == {
        "attempt_id": old.id,
        "params": {"target_date": "2024-06-03", "full_refresh": "false", "x": "1"},
    }

    hook = await bot.click(button, user=ADMIN, ephemeral=True, message_ts=CONFIRM_TS)
    await bot.slack.wait_for(hook, timeout=15)
    [new] = [a for a in await td.session_attempts(old.session_id) if a.index == old.index + 1]
    expected = old.params | {"target_date": "2024-06-03", "full_refresh": False, "x": "1"}
    assert put_bodies(sandbox) == [
        {
            "workflowId": old.workflow.id,
            "sessionTime": old.session_time_text,
            "params": expected,
            "retryAttemptName": new.retry_attempt_name,
            "resume": {"mode": "failed", "attemptId": old.id},
        }
    ]
    assert new.params == expected  # TD (the sandbox) keeps what was sent
