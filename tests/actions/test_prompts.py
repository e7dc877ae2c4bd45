"""Confirmation dialogs and how users are named: within Slack's limits, TD text defused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.actions import ActionService, Target, confirm_prompt, mention, session_time_text
from bot.sandbox import Sandbox
from bot.store import ActionKind
from tests.actions.conftest import raw


async def test_retry_prompt_describes_the_attempt(service: ActionService, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("td_unknown_pool")
    target = await service.describe_target(ActionKind.RETRY, attempt_id)
    prompt = confirm_prompt(ActionKind.RETRY, target)
    assert prompt.title == "Retry failed tasks?"
    assert prompt.text == (
        f"Retry the failed tasks of attempt {attempt_id} (diagnosis_lab/td_unknown_pool, "
        "session 2024-06-02 19:30 +09:00, error)? Tasks that succeeded are not run again."
    )
    assert (prompt.confirm, prompt.deny) == ("Retry failed tasks", "Cancel")


async def test_kill_job_prompt_describes_the_job(service: ActionService, sandbox: Sandbox) -> None:
    job = next(j for j in raw(sandbox, "/v3/job/list?status=running")["jobs"])
    target = await service.describe_target(ActionKind.KILL_JOB, job["job_id"])
    prompt = confirm_prompt(ActionKind.KILL_JOB, target)
    assert (
        prompt.text == f"Kill TD job {job['job_id']} ({job['type']} on {job['database']}, running)?"
    )


@pytest.mark.parametrize("kind", list(ActionKind))
def test_prompts_fit_block_kit_whatever_td_sends(kind: ActionKind) -> None:
    target = Target(
        id="9223372036854775807",
        project="p" * 400,
        workflow="secret password=hunter2 " + "w" * 400,
        session_time=datetime(2024, 6, 1, 2, 0, tzinfo=UTC),
        status="error",
        job_type="presto",
        database="d" * 300,
    )
    prompt = confirm_prompt(kind, target)
    assert len(prompt.title) <= 100 and len(prompt.text) <= 300
    assert len(prompt.confirm) <= 30 and len(prompt.deny) <= 30
    assert prompt.text.endswith("?") or prompt.text.endswith(".")
    assert "hunter2" not in prompt.text
    assert target.id in prompt.text


def test_a_bare_target_still_asks_clearly() -> None:
    prompt = confirm_prompt(ActionKind.KILL, Target(id="123"))
    assert prompt.text == "Kill attempt 123? Its running tasks will be canceled."


def test_session_time_keeps_the_workflow_offset() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert session_time_text(datetime(2024, 6, 1, 2, 0, tzinfo=tokyo)) == "2024-06-01 02:00 +09:00"
    assert session_time_text(datetime(2024, 6, 1, 2, 0, tzinfo=UTC)) == "2024-06-01 02:00 +00:00"


@pytest.mark.parametrize(
    ("user_id", "shown"),
    [
        ("U012ABCDEF", "<@U012ABCDEF>"),
        ("W0ENTERPRISE1", "<@W0ENTERPRISE1>"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("u012abcdef", "u012abcdef"),
        ("U012 <@U999>", "U012 &lt;@U999&gt;"),
    ],
)
def test_only_slack_user_ids_become_mentions(user_id: str, shown: str) -> None:
    assert mention(user_id) == shown
