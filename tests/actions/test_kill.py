"""Kill an attempt or a TD job: done, nothing to do, or TD failing in between."""

from __future__ import annotations

import pytest

from bot.actions import ActionService, OutcomeKind, end_message, follow_attempt
from bot.sandbox import Sandbox
from bot.td import TDClient, errors
from bot.td.models import AttemptStatus
from tests.actions.conftest import ADMIN, CHANNEL, THREAD, RecordingTransport, raw, send

WHERE = {"channel_id": CHANNEL, "thread_ts": THREAD}


def _running_attempt(sandbox: Sandbox) -> str:
    found = raw(sandbox, "/api/attempts?project=ml_features&workflow=train_features")
    return str(next(a["id"] for a in found["attempts"] if a["status"] == "running"))


def _jobs(sandbox: Sandbox, status: str) -> list[dict[str, str]]:
    jobs: list[dict[str, str]] = raw(sandbox, f"/v3/job/list?status={status}")["jobs"]
    return jobs


class SandboxTime:
    """``sleep`` and ``clock`` for ``follow_attempt`` that move the sandbox's own time."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds
        self.sandbox.advance(seconds)


async def test_kill_is_requested_then_followed_to_its_end(
    service: ActionService, td: TDClient, sandbox: Sandbox
) -> None:
    attempt_id = _running_attempt(sandbox)
    outcome = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.REQUESTED and outcome.ok and outcome.announce
    assert outcome.message == (
        f"attempt {attempt_id} (ml_features/train_features, session 2024-06-03 00:00 +00:00): "
        "kill requested. TD cancels its running tasks as they notice (a td> task within "
        "about 30 s); until then it reads canceling."
    )
    assert outcome.audit == f"🛑 <@{ADMIN}> requested a kill of attempt {attempt_id}"
    assert outcome.follow_attempt_id == attempt_id
    after = raw(sandbox, f"/api/attempts/{attempt_id}")
    assert (after["cancelRequested"], after["status"], after["done"]) == (True, "canceling", False)

    time = SandboxTime(sandbox)
    ended = await follow_attempt(
        td, attempt_id, interval=5, give_up_after=120, sleep=time.sleep, clock=time.clock
    )
    assert ended.done and ended.status is AttemptStatus.KILLED
    assert time.sleeps and set(time.sleeps) == {5} and time.elapsed <= 30
    assert end_message(ended) == (
        f"attempt {attempt_id} (ml_features/train_features, session 2024-06-03 00:00 +00:00) "
        "ended: killed."
    )


async def test_following_gives_up_after_its_time(td: TDClient, sandbox: Sandbox) -> None:
    attempt_id = _running_attempt(sandbox)  # nobody kills it: it runs for minutes yet
    time = SandboxTime(sandbox)
    last = await follow_attempt(
        td, attempt_id, interval=4, give_up_after=10, sleep=time.sleep, clock=time.clock
    )
    assert not last.done and last.status is AttemptStatus.RUNNING
    assert time.sleeps == [4, 4, 2]  # never past the deadline
    assert end_message(last).endswith("is still running; TD has not finished canceling it.")


async def test_following_reads_again_after_a_failed_read(td: TDClient, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_division_by_zero")
    sandbox.faults.fail(1, 503, f"/api/attempts/{attempt_id}")
    time = SandboxTime(sandbox)
    last = await follow_attempt(
        td, attempt_id, interval=1, give_up_after=10, sleep=time.sleep, clock=time.clock
    )
    assert last.done and last.status is AttemptStatus.ERROR and time.sleeps == [1]
    sandbox.faults.fail(50, 503, f"/api/attempts/{attempt_id}")
    with pytest.raises(errors.Unavailable):
        await follow_attempt(
            td, attempt_id, interval=1, give_up_after=3, sleep=time.sleep, clock=time.clock
        )


async def test_kill_of_a_finished_attempt_is_nothing_to_do(
    service: ActionService, sandbox: Sandbox, wire: RecordingTransport
) -> None:
    attempt_id = sandbox.case_attempt_id("presto_division_by_zero")
    outcome = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.NOTHING_TO_DO and outcome.ok and not outcome.announce
    assert outcome.message == f"attempt {attempt_id} had already finished (error): nothing to kill."
    # No kill was sent: TD would accept it (tasks stay blocked behind the failure)
    # and show the failed attempt as killed from then on.
    assert wire.writes() == []
    assert raw(sandbox, f"/api/attempts/{attempt_id}")["status"] == "error"


async def test_kill_of_an_unknown_attempt(service: ActionService) -> None:
    outcome = await service.kill_attempt(ADMIN, "1", action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.FAILED and not outcome.announce
    assert outcome.message.startswith("TD found nothing (404) while killing attempt 1: ")


async def test_kill_that_td_never_confirms_says_it_may_have_happened(
    service: ActionService, sandbox: Sandbox
) -> None:
    attempt_id = _running_attempt(sandbox)
    sandbox.faults.fail(1, 503, f"/api/attempts/{attempt_id}/kill")
    outcome = await service.kill_attempt(ADMIN, attempt_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.FAILED and outcome.announce
    assert outcome.message.startswith(f"TD did not confirm killing attempt {attempt_id} (HTTP 503)")
    assert "may or may not have happened" in outcome.message


async def test_kill_of_a_running_job(service: ActionService, sandbox: Sandbox) -> None:
    job_id = next(j["job_id"] for j in _jobs(sandbox, "running") if j["database"] == "ml")
    outcome = await service.kill_job(ADMIN, job_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.DONE and outcome.announce
    assert outcome.message == f"job {job_id} killed."
    assert outcome.audit == f"🛑 <@{ADMIN}> killed TD job {job_id}"
    assert outcome.links[0][1].endswith(f"/app/jobs/{job_id}")
    assert raw(sandbox, f"/v3/job/status/{job_id}")["status"] == "killed"


async def test_kill_of_a_finished_job(service: ActionService, sandbox: Sandbox) -> None:
    job_id = _jobs(sandbox, "success")[0]["job_id"]
    outcome = await service.kill_job(ADMIN, job_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.NOTHING_TO_DO and not outcome.announce
    assert outcome.message == f"job {job_id} had already finished (success): nothing to kill."
    assert raw(sandbox, f"/v3/job/status/{job_id}")["status"] == "success"


async def test_kill_of_a_queued_job_cancels_it_before_it_runs(
    service: ActionService, sandbox: Sandbox
) -> None:
    database = raw(sandbox, "/v3/database/list")["databases"][0]["name"]
    issued = send(sandbox, "POST", f"/v3/job/issue/presto/{database}", data={"query": "SELECT 1"})
    job_id = issued.json()["job_id"]
    outcome = await service.kill_job(ADMIN, job_id, action_key="k1", **WHERE)
    assert outcome.kind is OutcomeKind.DONE
    assert outcome.message == f"job {job_id} canceled before it ran (it was queued)."
    assert outcome.audit == f"🛑 <@{ADMIN}> canceled TD job {job_id} before it ran"
