"""The alert parent stays short however big the failure; the evidence is its first reply.

Real pieces end to end: a failure whose error, task log and TD job output are
huge runs in the sandbox over loopback HTTP, the poller diagnoses and posts
it, and the parent is measured as a reader sees it (blocks' text, link and
button labels; not URLs).
"""

from __future__ import annotations

from dataclasses import replace

from bot.alerts import Poller
from bot.present.alerts import PARENT_VISIBLE
from bot.render import visible_chars
from bot.sandbox import Sandbox
from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus import FAILURE_CASES
from bot.store import Store
from tests.alerts.conftest import CHANNEL, LAB, Scenario
from tests.fakes.notifier import RecordingNotifier

HUGE_SQL = "\n".join(f"SELECT col_{i}, '{'x' * 80}' FROM t_{i} UNION ALL" for i in range(3000))
HUGE_ERROR = "Query failed: line 1:8: mismatched input 'FROM'. " + "detail " * 5000


def huge_case(key: str) -> FailureCase:
    base = next(c for c in FAILURE_CASES if c.key == "presto_syntax_query_failed")
    assert base.job is not None and base.log is not None
    return replace(
        base,
        key=key,
        path=("group_" + "g" * 150, "load_" + "t" * 200),
        error={**base.error, "message": HUGE_ERROR + "\n" + HUGE_SQL},
        log=(*base.log, *(f"|{line}" for line in HUGE_SQL.splitlines())),
        job=replace(base.job, cmdout=(base.job.cmdout or "") + HUGE_SQL, stderr=HUGE_ERROR),
    )


async def test_a_huge_failure_gets_a_short_parent_and_a_full_reply(
    poller: Poller,
    store: Store,
    notifier: RecordingNotifier,
    scenario: Scenario,
    sandbox: Sandbox,
) -> None:
    await poller.poll_once()
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    attempt_id = sandbox.run_case_now(huge_case("huge_log_failure"), {})
    scenario.advance(6 * 3600)  # the lab's run plays out within a few hours
    assert (await scenario.td.attempt(attempt_id)).status.failed
    await poller.poll_once()

    [parent] = notifier.alerts()
    [diagnosis] = notifier.diagnoses()
    assert parent.marks == [attempt_id] and diagnosis.thread_ts == parent.ts
    seen = visible_chars(parent.blocks)
    assert 200 < seen <= PARENT_VISIBLE, seen
    body = str(parent.blocks)
    for expected in ("Failed: diagnosis_lab/huge_log_failure", "td&gt;", "mismatched input"):
        assert expected in body, expected
    labels = {b["text"]["text"] for b in parent.blocks[-1]["elements"]}
    assert {"Diagnose", "Retry failed tasks", "Mute 4h", "Open in TD console"} <= labels
    # The reply carries the evidence the parent leaves out.
    assert diagnosis.message.evidence and "UNION ALL" in str(diagnosis.blocks)
    assert "UNION ALL" not in body
