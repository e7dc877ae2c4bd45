"""Findings as claims store them: what evidence they carry survives the JSON, and a
claim written before a field existed still decodes (and still words its alert)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.message import Link
from bot.present.alerts import PARENT_VISIBLE
from bot.present.silent import resolved_reply, silent_parent
from bot.render import render_slack, visible_chars
from bot.silent.codec import dump_finding, dump_resolved, load_finding, load_resolved
from bot.silent.findings import (
    Finding,
    Late,
    LateState,
    LimitSource,
    NotStarted,
    Resolved,
    ResolvedHow,
    RunningLong,
    RunningTask,
    SilentKind,
    slot_subject,
)

CONSOLE = "https://console.example"
AT = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)


def _stalled(workflow_id: str | None) -> Finding:
    facts = NotStarted("71015", AT, timedelta(minutes=30))
    return Finding("p", "w", slot_subject("71015", AT), AT, None, facts, workflow_id)


def _late(tasks: tuple[RunningTask, ...] | None) -> Finding:
    facts = Late(LateState.NOT_STARTED, timedelta(hours=1), "p", AT, tasks)
    return Finding("p", "w", slot_subject("71015", AT), AT, None, facts, "8812399")


def test_a_claim_from_before_the_evidence_fields_still_decodes_and_words_its_alert() -> None:
    old = json.loads(dump_finding(_stalled("8812399")))
    del old["workflow_id"]
    finding = load_finding(json.dumps(old))
    assert finding == _stalled(None)
    assert silent_parent(finding, console=CONSOLE).links == (Link("Open TD console", CONSOLE),)

    old_late = json.loads(dump_finding(_late(None)))
    del old_late["facts"]["tasks"]
    assert load_finding(json.dumps(old_late)) == _late(None)


def test_workflow_id_tasks_and_a_gone_attempt_survive_the_claim() -> None:
    stalled = load_finding(dump_finding(_stalled("8812399")))
    url = f"{CONSOLE}/app/workflows/8812399/info"
    assert silent_parent(stalled, console=CONSOLE).links == (
        Link("Open workflow in TD console", url),
    )
    tasks = (RunningTask("+w+load", "td>", AT, "2187700042"),)
    assert load_finding(dump_finding(_late(tasks))) == _late(tasks)
    assert load_finding(dump_finding(_late(()))) == _late(())

    gone = Resolved(SilentKind.RUNNING_LONG, "98800001", "p", "w", ResolvedHow.GONE, AT, None, "7")
    assert load_resolved(dump_resolved(gone)) == gone
    assert gone.key == "running_long:7"


def test_a_late_parent_naming_many_long_tasks_stays_short() -> None:
    tasks = tuple(
        RunningTask("+w+" + "t" * 300 + str(i), "td>", AT, str(2187700000 + i)) for i in range(9)
    )
    facts = Late(LateState.RUNNING, timedelta(hours=1), "p" * 200, AT, tasks)
    finding = Finding("p" * 200, "w" * 255, "98800001", AT, None, facts)
    message = silent_parent(finding, console=CONSOLE)
    assert visible_chars(render_slack(message).blocks) <= PARENT_VISIBLE
    assert "and 6 more running tasks" in str(render_slack(message).blocks)


def test_the_thread_is_told_the_run_is_gone() -> None:
    hour = timedelta(hours=1)
    facts = RunningLong(2 * hour, hour, LimitSource.SLA, "p", None, ())
    finding = Finding("p", "w", "98800001", AT, None, facts)
    gone = Resolved(SilentKind.RUNNING_LONG, "98800001", "p", "w", ResolvedHow.GONE, AT, None, "7")
    reply = render_slack(resolved_reply(gone, finding))
    assert "The run no longer exists at TD" in str(reply.blocks) and reply.text.endswith("gone")
    ended = render_slack(silent_parent(finding, console=CONSOLE, resolved=gone))
    assert "no longer exists" in str(ended.blocks) and ended.text.endswith("gone")
