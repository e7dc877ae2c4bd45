"""Who may act, once per intent, and the audit trail of every try."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import ActionService, OutcomeKind
from bot.commands import Kill, KillJob, Retry
from bot.sandbox import Sandbox
from bot.store import ActionKind, ActionState, Store
from bot.td import TDClient
from tests.actions.conftest import (
    ADMIN,
    CHANNEL,
    OTHER,
    T0,
    THREAD,
    FakeClock,
    RecordingTransport,
    raw,
)

WHERE = {"channel_id": CHANNEL, "thread_ts": THREAD}


def _running_attempt(sandbox: Sandbox) -> str:
    found = raw(sandbox, "/api/attempts?project=ml_features&workflow=train_features")
    return str(next(a["id"] for a in found["attempts"] if a["status"] == "running"))


@pytest.mark.parametrize("command", ["retry", "kill", "kill_job"])
async def test_a_non_admin_sends_nothing_to_td(
    service: ActionService,
    sandbox: Sandbox,
    store: Store,
    wire: RecordingTransport,
    command: str,
) -> None:
    act = {
        "retry": service.retry_failed,
        "kill": service.kill_attempt,
        "kill_job": service.kill_job,
    }[command]
    # Any id will do: the test itself sends nothing, so the sandbox's log must stay empty.
    target = "2187700888" if command == "kill_job" else sandbox.case_attempt_id("hive_tez_oom")

    outcome = await act(OTHER, target, action_key="k1", **WHERE)

    assert sandbox.requests.count() == 0 and wire.sent == []
    assert outcome.kind is OutcomeKind.REFUSED and not outcome.announce
    assert outcome.message.startswith("Only tdbot admins (TDBOT_ADMINS) may")
    assert outcome.audit.startswith(f"🚫 <@{OTHER}> asked to ")
    assert outcome.audit.endswith(": refused (not an admin)")
    [record] = await store.actions(target_id=target)
    assert (record.user_id, record.action, record.state) == (
        OTHER,
        ActionKind(command),
        ActionState.FAILED,
    )
    assert record.outcome is not None and record.outcome.startswith("refused: Only tdbot admins")


async def test_a_refused_click_leaves_the_button_to_an_admin(
    service: ActionService, sandbox: Sandbox
) -> None:
    attempt_id = _running_attempt(sandbox)
    refused = await service.kill_attempt(OTHER, attempt_id, action_key="button", **WHERE)
    done = await service.kill_attempt(ADMIN, attempt_id, action_key="button", **WHERE)
    assert (refused.kind, done.kind) == (OutcomeKind.REFUSED, OutcomeKind.REQUESTED)
    assert done.key == "button"


async def test_no_admins_means_nobody(
    td: TDClient, store: Store, clock: FakeClock, sandbox: Sandbox, wire: RecordingTransport
) -> None:
    service = ActionService(td, store, frozenset(), clock)
    assert not service.authorize(ADMIN)
    outcome = await service.kill_attempt(ADMIN, _running_attempt(sandbox), action_key="k", **WHERE)
    assert outcome.kind is OutcomeKind.REFUSED and wire.sent == []


@pytest.mark.parametrize(
    ("user_id", "message"),
    [
        (ADMIN, "&lt;!channel&gt; 12 is not a valid attempt id."),
        (OTHER, "Only tdbot admins (TDBOT_ADMINS) may retry attempts. Nothing was sent to TD."),
    ],
)
async def test_a_malformed_id_is_refused_without_a_request(
    service: ActionService, wire: RecordingTransport, user_id: str, message: str
) -> None:
    outcome = await service.retry_failed(user_id, "<!channel> 12", action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.REFUSED and wire.sent == []
    assert outcome.message == message
    assert "<!channel>" not in outcome.audit and "&lt;!channel&gt; 12" in outcome.audit


async def test_every_action_is_audited(
    service: ActionService, sandbox: Sandbox, store: Store, clock: FakeClock
) -> None:
    attempt_id = sandbox.case_attempt_id("presto_type_mismatch")
    await service.retry_failed(OTHER, attempt_id, action_key="a", **WHERE)
    clock.advance(60)
    done = await service.retry_failed(ADMIN, attempt_id, action_key="b", **WHERE)

    newest, refused = await store.actions(target_id=attempt_id)
    assert newest.key == "b" and newest.user_id == ADMIN and newest.action is ActionKind.RETRY
    assert (newest.channel_id, newest.thread_ts) == (CHANNEL, THREAD)
    assert newest.state is ActionState.SUCCEEDED
    assert newest.created_at == T0 + timedelta(seconds=60) == newest.finished_at
    assert newest.outcome == f"done: {done.message}"
    assert f"new attempt {done.new_attempt_id}" in newest.outcome
    assert refused.user_id == OTHER and refused.state is ActionState.FAILED
    assert refused.created_at == T0


async def test_the_same_key_after_success_sends_nothing(
    service: ActionService, sandbox: Sandbox, wire: RecordingTransport, clock: FakeClock
) -> None:
    attempt_id = _running_attempt(sandbox)
    first = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    sent = len(wire.sent)
    clock.advance(30)
    again = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert (first.kind, again.kind) == (OutcomeKind.REQUESTED, OutcomeKind.DUPLICATE)
    assert again.message == (
        f"This was already done by <@{ADMIN}> at 2024-06-03 12:00:00 UTC. "
        "Nothing was sent to TD again."
    )
    assert not again.announce and len(wire.sent) == sent


async def test_the_same_key_after_a_failure_may_try_again(
    service: ActionService, sandbox: Sandbox, store: Store
) -> None:
    attempt_id = _running_attempt(sandbox)
    sandbox.faults.fail(1, 503, f"/api/attempts/{attempt_id}/kill")
    failed = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    second = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    third = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert [failed.kind, second.kind, third.kind] == [
        OutcomeKind.FAILED,
        OutcomeKind.REQUESTED,
        OutcomeKind.DUPLICATE,
    ]
    assert (failed.key, second.key, third.key) == ("k1", "k1~2", "k1~2")
    states = {r.key: r.state for r in await store.actions(target_id=attempt_id)}
    assert states == {"k1": ActionState.FAILED, "k1~2": ActionState.SUCCEEDED}


async def test_an_action_in_progress_is_not_started_twice(
    service: ActionService, sandbox: Sandbox, store: Store, wire: RecordingTransport
) -> None:
    attempt_id = _running_attempt(sandbox)
    await store.claim_action(
        "k1",
        user_id=ADMIN,
        action=ActionKind.KILL,
        target_id=attempt_id,
        now=T0 - timedelta(minutes=1),
    )
    outcome = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.DUPLICATE and wire.sent == []
    assert outcome.message.startswith(
        f"This action is already in progress: started by <@{ADMIN}> at 2024-06-03 11:59:00 UTC."
    )


async def test_a_claim_abandoned_by_a_dead_process_is_given_up(
    service: ActionService, sandbox: Sandbox, store: Store
) -> None:
    attempt_id = _running_attempt(sandbox)
    await store.claim_action(
        "k1",
        user_id=ADMIN,
        action=ActionKind.KILL,
        target_id=attempt_id,
        now=T0 - timedelta(minutes=10),
    )
    outcome = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.REQUESTED and outcome.key == "k1~2"
    old = next(r for r in await store.actions(target_id=attempt_id) if r.key == "k1")
    assert old.state is ActionState.FAILED and old.outcome == "abandoned: never finished"


async def test_perform_runs_the_command_it_is_given(
    service: ActionService, sandbox: Sandbox
) -> None:
    attempt_id = sandbox.case_attempt_id("presto_division_by_zero")
    job_id = raw(sandbox, "/v3/job/list?status=success")["jobs"][0]["job_id"]
    commands: list[Retry | Kill | KillJob] = [Kill(attempt_id), KillJob(job_id), Retry(attempt_id)]
    outcomes = [
        await service.perform(command, ADMIN, action_key=f"k{i}", **WHERE)
        for i, command in enumerate(commands)
    ]
    assert [(o.action, o.target_id, o.kind) for o in outcomes] == [
        (ActionKind.KILL, attempt_id, OutcomeKind.NOTHING_TO_DO),
        (ActionKind.KILL_JOB, job_id, OutcomeKind.NOTHING_TO_DO),
        (ActionKind.RETRY, attempt_id, OutcomeKind.DONE),
    ]
