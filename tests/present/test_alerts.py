"""Alert messages: content people can act on, safe text, Slack's limits, no mentions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.buttons import ActionId
from bot.diagnosis import Category, Diagnosis, Evidence, RetryAdvice, TaskFailure
from bot.message import Message
from bot.present.alerts import (
    PARENT_VISIBLE,
    AlertOwnership,
    OnIt,
    Recovery,
    alert_diagnosis,
    digest_messages,
    failure_parent,
    recovery_reply,
    retry_failure_reply,
)
from bot.present.digest import DIGEST_ITEMS
from bot.render import SlackMessage, limits, render_slack, visible_chars
from bot.td.models import Attempt, AttemptStatus

CONSOLE = "https://console.example.test"


def attempt(
    attempt_id: str = "501",
    *,
    index: int = 1,
    status: str = "error",
    project: str = "sales_etl",
    workflow: str = "daily",
    params: dict[str, Any] | None = None,
) -> Attempt:
    return Attempt.model_validate(
        {
            "id": attempt_id,
            "index": index,
            "project": {"id": "7", "name": project},
            "workflow": {"id": "70", "name": workflow},
            "sessionId": "900",
            "sessionTime": "2026-03-01T00:00:00+09:00",
            "done": status in ("success", "error", "killed"),
            "success": status == "success",
            "cancelRequested": status == "killed",
            "status": status,
            "params": params or {},
            "createdAt": "2026-03-01T00:00:05Z",
            "finishedAt": "2026-03-01T00:12:35Z",
        }
    )


def diagnosis(a: Attempt, *, root: str = "Table 'db.orders' does not exist") -> Diagnosis:
    failure = TaskFailure(
        task_id="1",
        task_full_name="+daily+load",
        operator="td>",
        group_path=("+daily",),
        state="error",
        category=Category.MISSING_TABLE,
        retry=RetryAdvice.AFTER_UPSTREAM,
        retry_note="Retry once the upstream table is loaded.",
        next_step="Check that the job creating db.orders ran.",
        root_error=root,
        evidence=(Evidence("job_stderr", "line 1\n" + root),),
        job_id="12345",
        job_url=None,
        job_status="error",
        error_handler_ran=False,
        is_handler=False,
        upstream=None,
        sql_line_hint=None,
        retry_count=None,
        started_at=None,
    )
    return Diagnosis(
        attempt=a,
        status=a.status,
        attempt_url=None,
        killed=None,
        failures=(failure,),
        retry_history=(),
        streak=None,
        last_success=None,
        nothing_failed=False,
        notes=(),
        request_count=5,
    )


def failure_message(
    a: Attempt, d: Diagnosis | None, *, console: str | None, recovered: Recovery | None = None
) -> SlackMessage:
    return render_slack(failure_parent(a, d, console=console, recovered=recovered))


def slack(message: Message) -> SlackMessage:
    return render_slack(message)


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_failure_message_names_what_failed_and_offers_actions() -> None:
    a = attempt(index=3)
    m = failure_message(a, diagnosis(a), console=CONSOLE)
    assert "sales_etl/daily" in m.text and "failed" in m.text
    assert "+daily+load" in m.text and "does not exist" in m.text
    body = all_text(m.blocks)
    for expected in (
        "Failed: sales_etl/daily",
        "#3 (retry 2)",
        "2026-03-01 00:00 +0900",
        "+daily+load",
        "td&gt;",
        "Missing table or database",
        "Retry once the upstream table is loaded.",
        f"{CONSOLE}/app/jobs/12345",
        f"{CONSOLE}/app/workflows/70/sessions/900/attempt/501",
        f"{CONSOLE}/app/workflows/sessions/900",
        "12m 30s",
    ):
        assert expected in body, expected
    # The next step and the evidence are the thread's first reply, not the parent's.
    assert "Check that the job creating db.orders ran." not in body
    assert "Check that the job creating db.orders ran." in all_text(
        slack(alert_diagnosis(diagnosis(a))).blocks
    )
    found = buttons(m.blocks)
    assert json.loads(found[ActionId.DIAGNOSE]["value"]) == {"attempt_id": "501"}
    assert json.loads(found[ActionId.RETRY_FAILED]["value"]) == {"attempt_id": "501"}
    assert "confirm" in found[ActionId.RETRY_FAILED]
    assert json.loads(found[ActionId.MUTE]["value"]) == {
        "project": "sales_etl",
        "workflow": "daily",
        "duration": "4h",
    }


def test_the_retry_dialog_names_the_attempt_and_masks_its_secrets() -> None:
    a = attempt(workflow="daily_hunter2secret", params={"api_password": "hunter2secret"})
    retry = buttons(failure_message(a, None, console=CONSOLE).blocks)[ActionId.RETRY_FAILED]
    assert retry["style"] == "primary"
    dialog = retry["confirm"]
    assert dialog["title"]["text"] == "Retry failed tasks?"
    assert dialog["text"]["text"].startswith("Retry the failed tasks of attempt 501 (sales_etl/")
    assert "hunter2secret" not in json.dumps(dialog)


def test_killed_reads_as_killed() -> None:
    a = attempt(status="killed")
    m = failure_message(a, None, console=CONSOLE)
    assert "was killed" in m.text
    assert "Killed: sales_etl/daily" in all_text(m.blocks)


def test_td_text_is_escaped_masked_and_never_mentions() -> None:
    a = attempt(params={"api_password": "hunter2secret"})
    evil = "<!channel> <@U123> *bold* `tick` failed with password hunter2secret"
    m = failure_message(a, diagnosis(a, root=evil), console=CONSOLE)
    for text in (m.text, all_text(m.blocks)):
        assert "<!channel>" not in text and "<@U123>" not in text
        assert "hunter2secret" not in text
    assert "&lt;!channel&gt;" in m.text


def test_recovered_parent_shows_the_recovery_and_drops_retry() -> None:
    a = attempt()
    fixed = attempt("503", index=2, status="success")
    m = failure_message(a, diagnosis(a), console=CONSOLE, recovered=Recovery(fixed))
    body = all_text(m.blocks)
    assert "Recovered: sales_etl/daily" in body
    assert "recovered by attempt #2 at" in body
    assert set(buttons(m.blocks)) == {ActionId.DIAGNOSE, "tdbot.link.0"}
    assert "recovered by attempt #2" in m.text
    # What failed stays on record; advice to retry a run that recovered does not.
    assert "+daily+load" in body and "Missing table or database" in body
    assert "Retry once the upstream table is loaded." not in body and "Retry:" not in body


def test_thread_replies() -> None:
    a = attempt("502", index=2)
    reply = slack(retry_failure_reply(a, diagnosis(a), console=CONSOLE))
    assert "sales_etl/daily attempt #2 (retry 1) failed too" in all_text(reply.blocks)
    assert "sales_etl/daily" in reply.text
    ok = slack(recovery_reply(attempt("503", index=3, status="success"), console=CONSOLE))
    assert "Recovered" in all_text(ok.blocks) and "attempt #3 (retry 2)" in ok.text


def test_digest_splits_into_messages_within_limits() -> None:
    many = [attempt(str(1000 + i), workflow=f"wf_{i:03d}" + "x" * 60) for i in range(95)]
    owners = tuple(f"U{i:08d}" for i in range(30))
    digests = digest_messages(many, console=CONSOLE, owners=owners)
    assert [a.id for d in digests for a in d.attempts] == [a.id for a in many]
    for d in digests:
        assert len(d.attempts) <= DIGEST_ITEMS
        m = slack(d.message)
        assert len(m.blocks) <= limits.MAX_BLOCKS
        assert len(all_text(m.blocks)) <= limits.TOTAL_CHARS
        assert visible_chars(m.blocks) <= PARENT_VISIBLE
        assert "*Owners:* <@U00000000>" in all_text(m.blocks)
        assert f"{len(d.attempts)} workflow runs failed" in m.text
        assert all(a.workflow.name in all_text(m.blocks) for a in d.attempts)


def test_huge_td_text_stays_within_limits() -> None:
    a = attempt(project="p" * 250, workflow="w" * 250)
    d = diagnosis(a, root="x" * 50_000)
    first = d.failures[0]
    d = replace(d, failures=(replace(first, evidence=(Evidence("task_log", "y" * 90_000),)),))
    m = failure_message(a, d, console=CONSOLE)
    assert len(all_text(m.blocks)) <= limits.TOTAL_CHARS
    assert len(m.text) <= limits.FALLBACK_TEXT
    for block in m.blocks:
        text = block.get("text", {}).get("text", "")
        assert len(text) <= limits.SECTION_TEXT


@pytest.mark.parametrize("status", [AttemptStatus.ERROR, AttemptStatus.KILLED])
def test_message_without_diagnosis_still_says_enough(status: AttemptStatus) -> None:
    m = failure_message(attempt(status=status.value), None, console=None)
    assert "sales_etl/daily" in m.text
    assert "Diagnose" in all_text(m.blocks)


def test_times_render_in_every_reader_zone() -> None:
    m = failure_message(attempt(), None, console=None)
    stamp = int(datetime(2026, 3, 1, 0, 12, 35, tzinfo=UTC).timestamp())
    assert f"<!date^{stamp}^" in all_text(m.blocks)


def test_the_parent_stays_short_at_its_longest() -> None:
    long = "n" * 400
    a = attempt(project="p_" + long, workflow="w_" + long)
    d = diagnosis(a, root="error " * 2000)
    failure = replace(
        d.failures[0],
        task_full_name="+" + "t" * 2000,
        retry_note="note " * 500,
        next_step="step " * 500,
    )
    d = replace(d, failures=(failure,) * 30)
    owners = tuple(f"U{i:08d}" for i in range(30))
    on_it = OnIt("U99999999", datetime(2026, 3, 1, tzinfo=UTC))
    for m in (
        failure_message(a, d, console=CONSOLE),
        render_slack(
            failure_parent(a, d, console=CONSOLE, ownership=AlertOwnership(owners, on_it))
        ),
        failure_message(a, d, console=CONSOLE, recovered=Recovery(attempt("503", index=2))),
    ):
        assert visible_chars(m.blocks) <= PARENT_VISIBLE


def test_owners_are_mentioned_while_failing_and_never_on_recovery() -> None:
    a = attempt()
    ownership = AlertOwnership(("U0OWNER1", "S0GROUP1"))
    failing = render_slack(failure_parent(a, diagnosis(a), console=None, ownership=ownership))
    assert "*Owners:* <@U0OWNER1> <!subteam^S0GROUP1>" in all_text(failing.blocks)
    fixed = Recovery(attempt("503", index=2, status="success"))
    recovered = render_slack(
        failure_parent(a, diagnosis(a), console=None, recovered=fixed, ownership=ownership)
    )
    assert "<@" not in all_text(recovered.blocks) and "subteam" not in all_text(recovered.blocks)
