"""Retry of failed tasks: the exact PUT TD gets, and every reason not to send it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from bot.actions import ActionService, OutcomeKind
from bot.sandbox import Sandbox
from bot.store import ActionState, Store
from tests.actions.conftest import (
    ADMIN,
    ADMIN_2,
    CHANNEL,
    THREAD,
    FakeClock,
    RecordingTransport,
    raw,
    send,
    td_client,
)

WHERE = {"channel_id": CHANNEL, "thread_ts": THREAD}


async def test_admin_retry_sends_exactly_the_resume_request(
    service: ActionService, sandbox: Sandbox, wire: RecordingTransport
) -> None:
    old_id = sandbox.case_attempt_id("td_unknown_pool")
    old = raw(sandbox, f"/api/attempts/{old_id}")
    assert old["sessionTime"].endswith("+09:00") and old["params"]  # a real test of both

    outcome = await service.retry_failed(ADMIN, old_id, action_key="k1", **WHERE)

    [put] = wire.writes()
    assert (put.method, put.url.path) == ("PUT", "/api/attempts")
    assert json.loads(put.content) == {
        "workflowId": old["workflow"]["id"],
        "sessionTime": old["sessionTime"],
        "params": old["params"],
        "retryAttemptName": f"tdbot-retry-{old_id}",
        "resume": {"mode": "failed", "attemptId": old_id},
    }
    assert outcome.kind is OutcomeKind.DONE and outcome.ok and outcome.announce
    new = raw(sandbox, f"/api/attempts/{outcome.new_attempt_id}")
    assert new["sessionId"] == old["sessionId"] and new["index"] == old["index"] + 1
    assert new["sessionTime"] == old["sessionTime"] and new["params"] == old["params"]
    assert new["workflow"]["id"] == old["workflow"]["id"]
    assert new["retryAttemptName"] == f"tdbot-retry-{old_id}"
    assert outcome.new_attempt_index == new["index"] == 2
    assert outcome.audit == (
        f"🔁 <@{ADMIN}> retried failed tasks of attempt {old_id} -> new attempt {new['id']} (#2)"
    )
    assert "keep-revision" in outcome.message
    assert "diagnosis_lab/td_unknown_pool, session 2024-06-02 19:30 +09:00" in outcome.message
    [_session, (label, url)] = outcome.links  # the documented session link first
    assert new["id"] in label and url.endswith(f"/attempt/{new['id']}")


async def test_retry_reruns_only_the_tasks_that_did_not_succeed(
    service: ActionService, sandbox: Sandbox
) -> None:
    old_id = sandbox.case_attempt_id("presto_cluster_out_of_memory")  # transient: rerun works
    before = {t["fullName"]: t for t in raw(sandbox, f"/api/attempts/{old_id}/tasks")["tasks"]}

    outcome = await service.retry_failed(ADMIN, old_id, action_key="k1", **WHERE)
    sandbox.advance(2 * 3600)

    new_id = outcome.new_attempt_id
    assert raw(sandbox, f"/api/attempts/{new_id}")["status"] == "success"
    after = {t["fullName"]: t for t in raw(sandbox, f"/api/attempts/{new_id}/tasks")["tasks"]}
    # Generated tasks (``^failure-alert``) belong to the failure, not to the workflow.
    succeeded = [
        n
        for n, t in before.items()
        if t["state"] == "success" and "^" not in n and not t["isGroup"]
    ]
    failed = [n for n, t in before.items() if t["state"] == "error"]
    assert succeeded and failed
    for name in succeeded:  # copied, not run again: TD shows no start time for them
        assert before[name]["startedAt"] is not None and after[name]["startedAt"] is None
    for name in failed:
        assert after[name]["state"] == "success"
        assert after[name]["startedAt"] != before[name]["startedAt"]


def _running_attempt(sandbox: Sandbox) -> str:
    found = raw(sandbox, "/api/attempts?project=ml_features&workflow=train_features")
    return str(next(a["id"] for a in found["attempts"] if a["status"] == "running"))


def _superseded_attempt(sandbox: Sandbox) -> tuple[str, str]:
    """(the failed first attempt, its successful retry) of ingest/daily_ingest."""
    found = raw(sandbox, "/api/attempts?project=ingest&workflow=daily_ingest&include_retried=true")
    failed = next(a for a in found["attempts"] if a["status"] == "error")
    retries = raw(sandbox, f"/api/attempts/{failed['id']}/retries")["attempts"]
    return failed["id"], retries[-1]["id"]


@pytest.mark.parametrize(
    ("pick", "expected"),
    [
        (_running_attempt, "attempt {id} is still running; kill it first or wait."),
        (
            lambda sb: sb.last_attempt_id("ingest/daily_ingest"),
            "attempt {id} succeeded: nothing to retry.",
        ),
    ],
    ids=["running", "succeeded"],
)
async def test_retry_refuses_what_cannot_be_retried_and_sends_nothing(
    service: ActionService,
    sandbox: Sandbox,
    wire: RecordingTransport,
    pick: Callable[[Sandbox], str],
    expected: str,
) -> None:
    attempt_id = pick(sandbox)
    outcome = await service.retry_failed(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.REFUSED and not outcome.announce
    assert outcome.message == expected.format(id=attempt_id)
    assert wire.writes() == []


async def test_retry_of_a_superseded_attempt_names_the_newer_one(
    service: ActionService, sandbox: Sandbox, wire: RecordingTransport
) -> None:
    old_id, newer_id = _superseded_attempt(sandbox)
    outcome = await service.retry_failed(ADMIN, old_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.REFUSED
    assert outcome.message == (
        f"attempt {old_id} is not the latest attempt of its session: attempt {newer_id} "
        "(#2, success) is newer; it succeeded, so there is nothing to retry."
    )
    assert outcome.audit.endswith(f"refused (superseded by attempt {newer_id})")
    assert wire.writes() == []


async def test_double_click_starts_exactly_one_retry(
    service: ActionService, sandbox: Sandbox, wire: RecordingTransport
) -> None:
    old_id = sandbox.case_attempt_id("presto_type_mismatch")
    sandbox.faults.latency = 0.05  # both clicks are in flight together
    outcomes = await asyncio.gather(
        *(service.retry_failed(ADMIN, old_id, action_key="same", **WHERE) for _ in range(2))
    )
    assert sorted(o.kind for o in outcomes) == [OutcomeKind.DONE, OutcomeKind.DUPLICATE]
    duplicate = next(o for o in outcomes if o.kind is OutcomeKind.DUPLICATE)
    assert f"<@{ADMIN}>" in duplicate.message and "Nothing was sent to TD" in duplicate.message
    assert len(wire.writes()) == 1
    assert len(raw(sandbox, f"/api/attempts/{old_id}/retries")["attempts"]) == 2


async def test_two_admins_at_once_start_one_retry(service: ActionService, sandbox: Sandbox) -> None:
    old_id = sandbox.case_attempt_id("presto_type_mismatch")
    sandbox.faults.latency = 0.05
    outcomes = await asyncio.gather(
        service.retry_failed(ADMIN, old_id, action_key="button", **WHERE),
        service.retry_failed(ADMIN_2, old_id, action_key="command", **WHERE),
    )
    kinds = sorted(o.kind for o in outcomes)
    # The loser is refused as superseded, or its PUT replays the winner's (same
    # retry name: TD answers 409 with that attempt, which is the retry asked for).
    assert kinds in ([OutcomeKind.DONE, OutcomeKind.REFUSED], [OutcomeKind.DONE] * 2)
    started = {o.new_attempt_id for o in outcomes if o.kind is OutcomeKind.DONE}
    retries = raw(sandbox, f"/api/attempts/{old_id}/retries")["attempts"]
    assert len(retries) == 2 and started == {retries[-1]["id"]}


def _after_the_session_is_read(
    act: Callable[[], None],
) -> Callable[[str, str, int | None, float], None]:
    """A response hook that runs ``act`` once, between tdbot's reads and its PUT."""
    done: list[bool] = []

    def hook(method: str, template: str, status: int | None, seconds: float) -> None:
        if template == "/api/attempts/{id}/retries" and not done:
            done.append(True)
            act()

    return hook


async def test_a_409_carrying_our_retry_name_is_that_retry(
    sandbox: Sandbox, store: Store, clock: FakeClock
) -> None:
    old_id = sandbox.case_attempt_id("presto_division_by_zero")
    old = raw(sandbox, f"/api/attempts/{old_id}")
    racer: list[str] = []

    def another_replica_retries() -> None:
        body = {
            "workflowId": old["workflow"]["id"],
            "sessionTime": old["sessionTime"],
            "params": old["params"],
            "retryAttemptName": f"tdbot-retry-{old_id}",
            "resume": {"mode": "failed", "attemptId": old_id},
        }
        racer.append(send(sandbox, "PUT", "/api/attempts", json=body).json()["id"])

    hook = _after_the_session_is_read(another_replica_retries)
    async with td_client(sandbox, on_response=hook) as td:
        service = ActionService(td, store, frozenset({ADMIN}), clock)
        outcome = await service.retry_failed(ADMIN, old_id, action_key="k1", **WHERE)

    puts = [r for r in sandbox.requests.records if r.method == "PUT"]
    assert [r.status for r in puts] == [200, 409]  # the racer's, then ours
    assert outcome.kind is OutcomeKind.DONE and outcome.announce
    assert (outcome.new_attempt_id, outcome.new_attempt_index) == (racer[0], 2)
    assert [label for label, _ in outcome.links] == [
        f"Session {old['sessionId']}",
        f"Attempt {racer[0]} (#2)",
    ]
    assert len(raw(sandbox, f"/api/attempts/{old_id}/retries")["attempts"]) == 2


@pytest.mark.parametrize(
    ("status", "uncertain", "text"),
    [
        (400, False, "TD refused retrying attempt {id} (400): Injected failure"),
        (503, True, "it may or may not have happened"),
    ],
)
async def test_td_refusing_or_dropping_the_put(
    sandbox: Sandbox, store: Store, clock: FakeClock, status: int, uncertain: bool, text: str
) -> None:
    old_id = sandbox.case_attempt_id("presto_division_by_zero")
    hook = _after_the_session_is_read(lambda: sandbox.faults.fail(1, status, "/api/attempts"))
    async with td_client(sandbox, on_response=hook) as td:
        service = ActionService(td, store, frozenset({ADMIN}), clock)
        outcome = await service.retry_failed(ADMIN, old_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.FAILED
    assert text.format(id=old_id) in outcome.message
    assert outcome.announce is uncertain  # the thread hears of a retry that may have started
    assert len(raw(sandbox, f"/api/attempts/{old_id}/retries")["attempts"]) == 1


async def test_a_rejected_api_key_is_a_clear_message(
    sandbox: Sandbox, store: Store, clock: FakeClock
) -> None:
    async with td_client(sandbox, api_key="not-the-key") as td:
        service = ActionService(td, store, frozenset({ADMIN}), clock)
        outcome = await service.retry_failed(
            ADMIN, sandbox.case_attempt_id("presto_division_by_zero"), action_key="k1", **WHERE
        )
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.message.startswith("TD rejected tdbot's API key (401)")
    assert "Nothing was changed." in outcome.message


async def test_unknown_attempt(service: ActionService) -> None:
    outcome = await service.retry_failed(ADMIN, "1", action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.message.startswith("TD found nothing (404) while retrying attempt 1: ")
    assert "session attempt id=1" in outcome.message


async def test_a_retry_at_the_attempt_limit_says_so_and_can_be_queued(
    service: ActionService, sandbox: Sandbox, store: Store, wire: RecordingTransport
) -> None:
    old_id = sandbox.case_attempt_id("presto_type_mismatch")
    running = sandbox.world.engine.active_attempts()
    sandbox.set_attempt_limit(running)

    refused = await service.retry_failed(ADMIN, old_id, action_key="k1", **WHERE)
    assert refused.kind is OutcomeKind.AT_LIMIT and not refused.ok and not refused.announce
    assert refused.message == (
        f"TD is at its limit of attempts running at once ({running} running, limit {running}): "
        f"nothing was started. Retry attempt {old_id} once running attempts finish, or queue "
        "the retry: TD then starts it by itself when one ends."
    )
    assert refused.audit.startswith(f"⏳ <@{ADMIN}> asked to retry attempt {old_id}: TD is at")
    assert refused.new_attempt_id is None
    assert len(raw(sandbox, f"/api/attempts/{old_id}/retries")["attempts"]) == 1
    [record] = await store.actions(target_id=old_id)
    assert record.state is ActionState.FAILED  # the intent may be tried again

    queued = await service.retry_queued(ADMIN, old_id, action_key="k1-queue", **WHERE)
    assert queued.kind is OutcomeKind.DONE and queued.announce
    assert queued.message.startswith(f"Queued a retry of the failed tasks of attempt {old_id}")
    assert queued.message.endswith("TD starts it when a running attempt ends.")
    assert queued.audit.startswith(f"🔁 <@{ADMIN}> queued a retry of failed tasks of attempt")
    puts = [json.loads(r.content) for r in wire.writes()]
    assert [p.get("allowQueueing") for p in puts] == [None, True]
    assert raw(sandbox, f"/api/attempts/{queued.new_attempt_id}")["status"] == "queued"
