"""The client where TD is strict: the attempt limit, replayed retries, statuses it
does not know, big logs and filters TD may ignore."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient
from bot.td.errors import AttemptConflict, AttemptLimitExceeded, BadRequest, Unavailable
from bot.td.models import AttemptStatus, JobStatus
from tests.td.test_mock_mechanics import ATTEMPT, MockFactory, scripted


async def _daily_ingest(td: TDClient) -> str:
    project = await td.project_by_name("ingest")
    assert project is not None
    workflow = await td.workflow_by_name(project.id, "daily_ingest")
    assert workflow is not None
    return workflow.id


def _running(sandbox: Sandbox) -> int:
    return sandbox.world.engine.active_attempts()


async def test_the_attempt_limit_is_a_typed_error_and_queueing_gets_past_it(
    td: TDClient, sandbox: Sandbox
) -> None:
    workflow_id = await _daily_ingest(td)
    running = _running(sandbox)
    sandbox.set_attempt_limit(running)
    sent = td.request_count
    with pytest.raises(AttemptLimitExceeded) as info:
        await td.start_attempt(workflow_id, "2024-06-20T00:00:00+00:00", {})
    assert isinstance(info.value, BadRequest) and info.value.status == 400
    assert (info.value.limit, info.value.running) == (running, running)
    assert info.value.message.startswith("Too many attempts running")
    assert td.request_count == sent + 1  # a 400 is not retried

    queued = await td.start_attempt(
        workflow_id, "2024-06-20T00:00:00+00:00", {}, allow_queueing=True
    )
    assert queued.status is AttemptStatus.QUEUED and not queued.done
    with pytest.raises(ValueError, match="allow_queueing"):
        await td.start_attempt(workflow_id, "2024-06-21T00:00:00+00:00", {}, allow_queueing=1)  # type: ignore[arg-type]


async def test_a_named_attempt_whose_answer_was_lost_is_sent_again_and_found(
    td: TDClient, sandbox: Sandbox
) -> None:
    failed = await td.attempt(sandbox.case_attempt_id("presto_missing_column"))
    assert failed.workflow.id is not None
    sandbox.faults.lose_answers(1, 504, "/api/attempts")
    new = await td.start_attempt(
        failed.workflow.id,
        failed.session_time_text,
        failed.params,
        retry_attempt_name="tdbot-retry-test",
        resume_failed_attempt_id=failed.id,
    )
    assert new.retry_attempt_name == "tdbot-retry-test" and new.index == failed.index + 1
    puts = [r.status for r in sandbox.requests.records if r.method == "PUT"]
    assert puts == [504, 409]  # the work was done once; the replay found it
    retries = await td.retries(failed.id)
    assert [a.id for a in retries] == [failed.id, new.id]


async def test_an_unnamed_start_is_not_sent_twice(td: TDClient, sandbox: Sandbox) -> None:
    workflow_id = await _daily_ingest(td)
    sandbox.faults.lose_answers(1, 504, "/api/attempts")
    with pytest.raises(Unavailable):
        await td.start_attempt(workflow_id, "2024-06-20T00:00:00+00:00", {})
    assert [r.status for r in sandbox.requests.records if r.method == "PUT"] == [504]


async def test_writes_go_out_as_json(td: TDClient, sandbox: Sandbox) -> None:
    # The sandbox answers 415 to a write without it, as TD's @Consumes does.
    attempt_id = sandbox.last_attempt_id("ml_features/train_features")
    assert attempt_id is not None
    assert await td.kill_attempt(attempt_id) is not None
    workflow_id = await _daily_ingest(td)
    started = await td.start_attempt(workflow_id, "2024-06-20T00:00:00+00:00", {})
    assert started.status is AttemptStatus.RUNNING


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("blocked", AttemptStatus.BLOCKED),
        ("Waiting_For_Pool", "Waiting_For_Pool"),
        ("CANCELING", AttemptStatus.CANCELING),
    ],
)
async def test_statuses_are_kept_as_td_wrote_them(
    mock_td: MockFactory, wire: str, expected: str
) -> None:
    handler, _ = scripted(httpx.Response(200, json=ATTEMPT | {"status": wire}))
    attempt = await mock_td(handler).attempt("55")
    assert attempt.status == expected and attempt.status.value == expected
    assert attempt.status is not AttemptStatus.RUNNING
    assert not attempt.status.done and not attempt.status.failed
    assert attempt.status.known is (expected != "Waiting_For_Pool")


async def test_jobs_filtered_by_status_client_side_too(mock_td: MockFactory) -> None:
    # TD documents only some status filters; one it ignores returns every job.
    page = {
        "jobs": [
            {"job_id": "3", "status": "killed"},
            {"job_id": "2", "status": "success"},
            {"job_id": "1", "status": "killed"},
        ],
        "count": 3,
    }
    handler, seen = scripted(httpx.Response(200, json=page), httpx.Response(200, json=page))
    td = mock_td(handler)
    jobs = await td.jobs(status=JobStatus.KILLED, limit=3)
    assert [j.job_id for j in jobs] == ["3", "1"]
    assert seen[0].url.params["status"] == "killed"
    assert [j.job_id async for j in td.iter_jobs(status="killed", page_size=5)] == ["3", "1"]


async def test_a_log_is_cut_at_the_limit(td: TDClient, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    files = await td.log_files(attempt_id)
    assert files and all(f.direct is None for f in files)  # direct_download=false
    whole = await td.log_text(attempt_id, files[0].file_name)
    cut = await td.log_text(attempt_id, files[0].file_name, limit=100)
    assert len(whole) > 100
    assert cut == whole[:100] + "\n[log cut at 100 bytes]\n"


class _CountingStream(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


async def test_a_big_log_is_streamed_and_left_unread_past_the_cap(
    mock_td: MockFactory,
) -> None:
    body = gzip.compress(b"2024-06-01 00:00:00.000 +0000 [INFO] a long log line\n" * 400_000)
    stream = _CountingStream([body[i : i + 1024] for i in range(0, len(body), 1024)])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/gzip"}, stream=stream)

    text = await mock_td(handler).log_text("55", "+wf+t@0.log.gz", limit=1_000_000)
    assert text.endswith("\n[log cut at 1000000 bytes]\n")
    assert len(text.encode()) == 1_000_000 + len("\n[log cut at 1000000 bytes]\n")
    assert stream.pulled < len(stream.chunks) // 4


async def test_a_log_list_asks_for_no_presigned_urls(mock_td: MockFactory) -> None:
    handler, seen = scripted(httpx.Response(200, json={"files": []}))
    assert await mock_td(handler).log_files("55", task="+wf") == []
    assert dict(seen[0].url.params) == {"task": "+wf", "direct_download": "false"}
    assert json.loads(seen[0].content or b"null") is None


async def test_a_named_start_that_timed_out_is_resent_and_its_409_is_success(
    mock_td: MockFactory,
) -> None:
    ours = ATTEMPT | {"id": "56", "index": 2, "retryAttemptName": "tdbot-retry-55"}
    handler, seen = scripted(httpx.ReadTimeout("no answer in time"), httpx.Response(409, json=ours))
    new = await mock_td(handler).start_attempt(
        "9", "2024-05-01T00:00:00+00:00", {}, retry_attempt_name="tdbot-retry-55"
    )
    assert (new.id, new.retry_attempt_name) == ("56", "tdbot-retry-55")
    assert [r.method for r in seen] == ["PUT", "PUT"]
    assert json.loads(seen[0].content) == json.loads(seen[1].content)
    assert seen[1].headers["Content-Type"] == "application/json"


async def test_a_409_carrying_another_name_is_still_a_conflict(mock_td: MockFactory) -> None:
    theirs = ATTEMPT | {"id": "56", "index": 2, "retryAttemptName": "someone-else"}
    handler, _ = scripted(httpx.Response(409, json=theirs))
    with pytest.raises(AttemptConflict) as info:
        await mock_td(handler).start_attempt("9", "2024-05-01T00:00:00+00:00", {})
    assert info.value.existing.id == "56"
