"""Error mapping with the server's own messages, and the API key kept out of every text."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable

import pytest

from bot.sandbox import Sandbox
from bot.td import Endpoints, TDClient
from bot.td.errors import (
    AttemptConflict,
    BadRequest,
    Conflict,
    Forbidden,
    InvalidResponse,
    NotFound,
    RateLimited,
    TDError,
    Unauthorized,
    Unavailable,
)
from tests.td.helpers import FAST_RETRY


async def test_wrong_key_is_unauthorized_on_both_apis(sandbox: Sandbox) -> None:
    wrong = sandbox.api_key.split("/")[0] + "/" + "0" * 40
    async with TDClient(wrong, sandbox.endpoints(), retry=FAST_RETRY) as client:
        with pytest.raises(Unauthorized) as v3:
            await client.jobs()
        with pytest.raises(Unauthorized) as workflow:
            await client.attempt(1)
    assert (v3.value.status, v3.value.message) == (401, "Authentication failed")
    assert (workflow.value.path, workflow.value.message) == (
        "/api/attempts/{id}",
        "Authentication failed",
    )
    assert client.request_count == 2  # a 401 is final: no retry
    assert len(sandbox.requests.records) == 2


async def test_bad_request_from_the_server_keeps_its_message(
    td: TDClient, sandbox: Sandbox
) -> None:
    # The public API refuses page_size > 100 itself, so go one level down to let
    # the server answer it: the mapping is what is under test.
    with pytest.raises(BadRequest) as info:
        await td._http.send("GET", sandbox.url, "/api/sessions", params={"page_size": "101"})
    assert info.value.message == (
        "Your specified page_size is 101, but it is larger than MAX_PAGE_SIZE: 100"
    )
    assert str(info.value) == f"GET /api/sessions: HTTP 400: {info.value.message}"
    assert td.request_count == 1  # a 400 is final: no retry


async def _every_error(td: TDClient, sandbox: Sandbox, down: TDClient) -> list[TDError]:
    failed = sandbox.case_attempt_id("presto_missing_column")
    attempt = await td.attempt(failed)
    workflow_id = attempt.workflow.id
    assert workflow_id is not None
    good = next(a for a in await td.attempts_page("ingest", page_size=50) if a.success)
    wrong = TDClient(sandbox.api_key[:-1] + "x", sandbox.endpoints(), retry=FAST_RETRY)

    async def fault(kind: str) -> None:
        if kind == "500":
            sandbox.faults.fail(10, status=500)
        else:
            sandbox.faults.rate_limit(10, retry_after=60)
        try:
            await td.databases()
        finally:
            sandbox.faults.clear()

    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: td.job(1),  # 404 v3
        lambda: td.attempt(1),  # 404 workflow
        lambda: td.kill_attempt(good.id),  # 409: nothing left unfinished
        lambda: td.start_attempt(workflow_id, attempt.session_time_text, {}),  # 409+body
        lambda: td.start_attempt(  # 400
            workflow_id,
            attempt.session_time_text,
            {},
            retry_attempt_name="x",
            resume_failed_attempt_id=good.id,
        ),
        lambda: wrong.account(),  # 401
        lambda: fault("500"),
        lambda: fault("429"),
        lambda: down.server_status(),  # connection refused
    ]
    errors: list[TDError] = []
    for call in calls:
        with pytest.raises(TDError) as info:
            await call()
        errors.append(info.value)
    await wrong.aclose()
    return errors


async def test_the_key_appears_in_no_error_log_or_repr(
    td: TDClient, sandbox: Sandbox, unused_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    closed = f"http://127.0.0.1:{unused_port}"
    down_endpoints = Endpoints(api=closed, workflow=closed, console=closed, region=None)
    async with TDClient(sandbox.api_key, down_endpoints, retry=FAST_RETRY) as down:
        errors = await _every_error(td, sandbox, down)
        texts = [repr(td), repr(down), caplog.text]
    kinds = {type(e) for e in errors}
    assert kinds >= {NotFound, Conflict, AttemptConflict, BadRequest, Unauthorized}
    assert kinds >= {Unavailable, RateLimited}
    for error in errors:
        texts += [str(error), repr(error), error.message, *map(str, error.args)]
        texts += traceback.format_exception(error)
    secret = sandbox.api_key.split("/")[1]
    leaks = [text for text in texts if secret in text]
    assert leaks == []
    assert any("retry" in record.message for record in caplog.records)  # the log did say things


@pytest.mark.parametrize(
    ("status", "kind", "tries"),
    [
        (400, BadRequest, 1),
        (403, Forbidden, 1),
        (404, NotFound, 1),
        (409, Conflict, 1),
        (422, InvalidResponse, 1),
        (408, Unavailable, 4),
        (502, Unavailable, 4),
    ],
)
async def test_status_mapping_and_which_are_retried(
    td: TDClient, sandbox: Sandbox, status: int, kind: type[TDError], tries: int
) -> None:
    sandbox.faults.fail(tries, status=status, path_prefix="/api/projects")
    with pytest.raises(kind) as info:
        await td.project(1)
    assert type(info.value) is kind
    assert (info.value.status, info.value.message) == (status, "Injected failure")
    assert td.request_count == tries  # 4 is FAST_RETRY.max_attempts
