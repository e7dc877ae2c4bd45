"""Many failing tasks: every one examined, in a fixed number of rounds of requests,
within the TD client's bound on requests in flight, with the same result as one
request at a time. Rounds are counted by a transport that holds requests until the
engine cannot send more without an answer, so no assertion depends on timing."""

from __future__ import annotations

import asyncio

import httpx

from bot.diagnosis import diagnose_attempt
from bot.diagnosis.model import Diagnosis
from bot.sandbox import Sandbox
from bot.td import DEFAULT_MAX_CONCURRENCY, TDClient

FAILING = 40
# Event-loop turns with no new request after which the engine is taken to be waiting
# for answers: it only computes between an answer and its next requests.
SETTLE_TURNS = 50


class RoundsTransport(httpx.AsyncBaseTransport):
    """Lets requests through to the sandbox in rounds: all the requests the engine
    sends before it needs an answer make one round, answered together."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._waiting: list[tuple[httpx.Request, asyncio.Future[httpx.Response]]] = []
        self._releasing: asyncio.Task[None] | None = None
        self.rounds: list[list[str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer: asyncio.Future[httpx.Response] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, answer))
        if self._releasing is None:
            self._releasing = asyncio.create_task(self._release())
        return await answer

    async def _release(self) -> None:
        seen = -1
        while seen != len(self._waiting):
            seen = len(self._waiting)
            for _ in range(SETTLE_TURNS):
                await asyncio.sleep(0)
        batch, self._waiting, self._releasing = self._waiting, [], None
        self.rounds.append([request.url.path for request, _ in batch])
        answers = await asyncio.gather(*(self._forward(request) for request, _ in batch))
        for (_, answer), response in zip(batch, answers, strict=True):
            answer.set_result(response)

    async def _forward(self, request: httpx.Request) -> httpx.Response:
        # Bodies read here, so that an answered request needs no more I/O.
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _diagnose(
    lab: Sandbox,
    attempt_id: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
) -> Diagnosis:
    async with TDClient(
        lab.api_key, lab.endpoints(), transport=transport, max_concurrency=max_concurrency
    ) as td:
        return await diagnose_attempt(td, attempt_id)


async def test_every_failing_task_gets_its_evidence(lab: Sandbox, td: TDClient) -> None:
    """Each of the 40 failing tasks is classified, with evidence, from its own log
    and its TD job: none is left out or named in a note only."""
    attempt_id = lab.multi_failure_attempt_id(FAILING)
    lab.requests.clear()
    diagnosis = await diagnose_attempt(td, attempt_id)
    read = {r.path.rsplit("/", 1)[-1] for r in lab.requests.records}
    task_of = {f.file_name: f.task_name for f in await td.log_files(attempt_id)}
    failing = {f.task_full_name for f in diagnosis.failures}
    assert len(failing) == FAILING
    # Every failing task that wrote a log had it read (a few corpus cases log nothing).
    assert {task_of[name] for name in read if name in task_of} == failing & set(task_of.values())
    for failure in diagnosis.failures:
        assert failure.evidence, failure.task_full_name
        if failure.job_id is not None:
            assert failure.job_status in ("error", "killed"), failure.task_full_name
    assert not any("not examined" in note for note in diagnosis.notes)


async def test_concurrency_does_not_change_the_result(lab: Sandbox) -> None:
    attempt_id = lab.multi_failure_attempt_id(FAILING)
    together = await _diagnose(lab, attempt_id)
    one_by_one = await _diagnose(lab, attempt_id, max_concurrency=1)
    assert together.failures == one_by_one.failures
    assert together.notes == one_by_one.notes
    assert together.request_count == one_by_one.request_count


async def test_many_failing_tasks_take_two_rounds(lab: Sandbox) -> None:
    """Attempt, tasks, retries and log list; then every log and known job with the
    history. A job only a log names is not asked for when the log reports its end
    (its output is the task's error), so no third round; not one more per task."""
    attempt_id = lab.multi_failure_attempt_id(FAILING)
    transport = RoundsTransport()
    diagnosis = await _diagnose(lab, attempt_id, transport=transport)
    first, second = transport.rounds
    assert sorted(first) == sorted(
        [
            f"/api/attempts/{attempt_id}",
            f"/api/attempts/{attempt_id}/tasks",
            f"/api/attempts/{attempt_id}/retries",
            f"/api/logs/{attempt_id}/files",
        ]
    )
    logs = [p for p in second if p.startswith(f"/api/logs/{attempt_id}/files/")]
    assert len(logs) >= FAILING and "/api/attempts" in second
    jobs = {f"/v3/job/show/{f.job_id}" for f in diagnosis.failures if f.job_id}
    asked = {p for p in second if p.startswith("/v3/job/show/")}
    assert asked and asked < jobs  # the attempt has tasks whose job only the log names
    for failure in diagnosis.failures:
        if failure.job_id is not None:
            assert failure.job_status in ("error", "killed"), failure.task_full_name
    assert diagnosis.request_count == len(first) + len(second)


async def test_one_failing_task_with_its_job_in_params_takes_two_rounds(lab: Sandbox) -> None:
    attempt_id = lab.multi_failure_attempt_id(1)
    transport = RoundsTransport()
    diagnosis = await _diagnose(lab, attempt_id, transport=transport)
    [failure] = diagnosis.failures
    assert failure.operator == "td>" and failure.job_id is not None
    assert len(transport.rounds) == 2
    assert f"/v3/job/show/{failure.job_id}" in transport.rounds[1]


async def test_the_client_bounds_requests_in_flight(lab: Sandbox) -> None:
    attempt_id = lab.multi_failure_attempt_id(FAILING)
    transport = RoundsTransport()
    diagnosis = await _diagnose(lab, attempt_id, transport=transport, max_concurrency=8)
    assert len(diagnosis.failures) == FAILING
    assert max(len(batch) for batch in transport.rounds) == 8
    assert sum(len(batch) for batch in transport.rounds) == diagnosis.request_count


async def test_the_bound_holds_over_http(lab: Sandbox) -> None:
    """Seen from the sandbox: never more than the bound in flight, though far more
    requests than that could go at once."""
    attempt_id = lab.multi_failure_attempt_id(FAILING)
    lab.requests.clear()
    lab.faults.latency = 0.05
    try:
        diagnosis = await _diagnose(lab, attempt_id, max_concurrency=8)
    finally:
        lab.faults.clear()
    records = lab.requests.records
    assert len(records) == diagnosis.request_count > 8 * 4
    # Ends sort before starts at the same instant: touching is not overlapping.
    events = sorted([(r.time, 1) for r in records] + [(r.time + r.duration, -1) for r in records])
    in_flight = peak = 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)
    assert 1 < peak <= 8
