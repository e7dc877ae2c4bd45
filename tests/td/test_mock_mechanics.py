"""Client mechanics the sandbox cannot stage, checked over httpx.MockTransport.

Everything the sandbox can produce (500s, 429s with delta-seconds, latency,
TD's real error bodies, paging) is tested against it in the other modules.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from bot.td import RetryPolicy, TDClient
from bot.td.errors import (
    BadRequest,
    Conflict,
    InvalidResponse,
    RateLimited,
    TDError,
    Unavailable,
)

MockFactory = Callable[..., TDClient]
ATTEMPT = {
    "id": "55",
    "index": 1,
    "project": {"id": "1", "name": "p"},
    "workflow": {"id": "9", "name": "w"},
    "sessionId": "7",
    "sessionTime": "2024-05-01T00:00:00+00:00",
    "status": "running",
    "done": False,
    "success": False,
    "cancelRequested": False,
    "params": {},
}


def scripted(
    *steps: httpx.Response | Exception,
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    """A handler that plays ``steps`` in order (raising the exceptions) and logs requests."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = next(queue)
        if isinstance(step, Exception):
            raise step
        return step

    return handler, seen


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's backoff waits instead of spending them."""
    recorded: list[float] = []
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float) -> None:
        recorded.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    return recorded


async def test_http_date_retry_after_is_honoured(mock_td: MockFactory, sleeps: list[float]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    handler, seen = scripted(
        httpx.Response(429, headers={"Retry-After": when}, json={"message": "slow down"}),
        httpx.Response(200, json={"status": "ok"}),
    )
    td = mock_td(
        handler, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_total=60)
    )
    assert await td.server_status() == "ok"
    assert len(seen) == 2
    assert len(sleeps) == 1 and 28 <= sleeps[0] <= 30


async def test_http_date_beyond_max_total_gives_up_at_once(
    mock_td: MockFactory, sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    handler, seen = scripted(
        httpx.Response(429, headers={"Retry-After": when}, json={"message": "later"})
    )
    td = mock_td(handler)
    with pytest.raises(RateLimited) as info:
        await td.server_status()
    assert len(seen) == 1 and sleeps == []
    assert info.value.retry_after is not None and info.value.retry_after > 500
    assert info.value.message == "later"


@pytest.mark.parametrize("response", [httpx.Response(204), httpx.Response(200, content=b"")])
async def test_kill_without_body_returns_none(
    mock_td: MockFactory, response: httpx.Response
) -> None:
    handler, seen = scripted(response)
    td = mock_td(handler)
    assert await td.kill_attempt(55) is None
    assert seen[0].method == "POST" and seen[0].url.path == "/api/attempts/55/kill"
    assert seen[0].headers["content-type"] == "application/json"
    assert json.loads(seen[0].content) == {}


async def test_write_is_retried_only_when_the_connection_never_opened(mock_td: MockFactory) -> None:
    handler, seen = scripted(
        httpx.ConnectError("connection refused"), httpx.Response(200, json=ATTEMPT)
    )
    td = mock_td(handler)
    killed = await td.kill_attempt("55")
    assert killed is not None and killed.id == "55"
    assert len(seen) == 2 and td.request_count == 2


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("peer closed")]
)
async def test_write_is_not_retried_once_it_may_have_arrived(
    mock_td: MockFactory, failure: Exception
) -> None:
    handler, seen = scripted(failure, httpx.Response(200, json=ATTEMPT))
    td = mock_td(handler)
    with pytest.raises(Unavailable) as info:
        await td.start_attempt(9, "2024-05-01T00:00:00+00:00", {})
    assert len(seen) == 1
    assert info.value.status is None
    assert (info.value.method, info.value.path) == ("PUT", "/api/attempts")


async def test_get_is_retried_after_read_timeout(mock_td: MockFactory) -> None:
    handler, _ = scripted(httpx.ReadTimeout("slow"), httpx.Response(200, json={"status": "ok"}))
    observed: list[tuple[str, str, int | None]] = []
    td = mock_td(handler, on_response=lambda m, p, s, _t: observed.append((m, p, s)))
    assert await td.server_status() == "ok"
    assert observed == [
        ("GET", "/v3/system/server_status", None),
        ("GET", "/v3/system/server_status", 200),
    ]


async def test_transport_failure_exhausts_attempts(mock_td: MockFactory) -> None:
    handler, seen = scripted(*[httpx.ConnectError("refused")] * 4)
    td = mock_td(handler)
    with pytest.raises(Unavailable, match="ConnectError: refused") as info:
        await td.attempt(1)
    assert len(seen) == 4 == td.request_count
    assert info.value.status is None and info.value.path == "/api/attempts/{id}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "short"}, "short"),
        ({"message": "", "error": "second choice"}, "second choice"),
        ({"text": "from text"}, "from text"),
        ({"errorMessage": "go style"}, "go style"),
        ({"severity": "error"}, "Bad Request"),  # no readable key: the reason phrase
    ],
)
async def test_v3_error_body_variants(
    mock_td: MockFactory, body: dict[str, Any], message: str
) -> None:
    handler, _ = scripted(httpx.Response(400, json=body))
    td = mock_td(handler)
    with pytest.raises(BadRequest) as info:
        await td.job(5)
    assert info.value.message == message
    assert str(info.value) == f"GET /v3/job/show/{{id}}: HTTP 400: {message}"


async def test_html_error_page_is_not_quoted(mock_td: MockFactory) -> None:
    handler, _ = scripted(*[httpx.Response(502, text="<html><body>Bad gateway</body></html>")] * 4)
    td = mock_td(handler)
    with pytest.raises(Unavailable) as info:
        await td.databases()
    assert info.value.message == "Bad Gateway" and info.value.status == 502


async def test_server_echo_of_the_key_is_redacted_and_long_text_cut(
    mock_td: MockFactory, mock_key: str
) -> None:
    secret = mock_key.split("/")[1]
    body = {"message": f"bad key {mock_key} and {secret} " + "x" * 2000}
    handler, _ = scripted(httpx.Response(401, json=body))
    td = mock_td(handler)
    with pytest.raises(TDError) as info:
        await td.account()
    text = f"{info.value} {info.value!r} {info.value.message}"
    assert secret not in text and "***" in text
    assert len(info.value.message) <= 500


async def test_request_headers(mock_td: MockFactory, mock_key: str) -> None:
    handler, seen = scripted(httpx.Response(200, json={"status": "ok"}))
    td = mock_td(handler)
    await td.server_status()
    headers = seen[0].headers
    assert headers["authorization"] == f"TD1 {mock_key}"
    assert headers["user-agent"].startswith("tdbot/")


async def test_redirect_is_not_followed(mock_td: MockFactory) -> None:
    handler, seen = scripted(httpx.Response(302, headers={"Location": "http://elsewhere.test/"}))
    td = mock_td(handler)
    with pytest.raises(InvalidResponse) as info:
        await td.project(3)
    assert len(seen) == 1 and info.value.status == 302


@pytest.mark.parametrize(
    ("response", "needle"),
    [
        (httpx.Response(200, text="not json"), "not JSON"),
        (httpx.Response(200, json={"attempt": {}}), "has no 'attempts'"),
        (httpx.Response(200, json={"attempts": {"id": "1"}}), "is not a list"),
        (
            httpx.Response(200, json={"attempts": [{"id": "1", "secretValue": 1}]}),
            "unexpected Attempt",
        ),
    ],
)
async def test_malformed_bodies(
    mock_td: MockFactory, response: httpx.Response, needle: str
) -> None:
    handler, _ = scripted(response)
    td = mock_td(handler)
    with pytest.raises(InvalidResponse, match=needle) as info:
        await td.retries(1)
    assert "secretValue" not in str(info.value)


async def test_conflict_body_that_is_not_an_attempt(mock_td: MockFactory) -> None:
    handler, _ = scripted(httpx.Response(409, json={"message": "busy", "status": 409}))
    td = mock_td(handler)
    with pytest.raises(Conflict) as info:
        await td.start_attempt(9, "2024-05-01T00:00:00Z", {}, retry_attempt_name="r1")
    assert type(info.value) is Conflict and info.value.message == "busy"


async def test_paging_that_does_not_advance_fails_loudly(mock_td: MockFactory) -> None:
    page = {"sessions": [dict(ATTEMPT, id=str(i), lastAttempt=None) for i in (5, 4)]}

    def ignores_last_id(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page)

    td = mock_td(ignores_last_id)
    with pytest.raises(InvalidResponse, match="did not advance"):
        async for _ in td.iter_sessions(page_size=2):
            pass


async def test_log_with_transfer_gzip_on_top_of_the_gzip_file(mock_td: MockFactory) -> None:
    file_bytes = gzip.compress(b"line one\nline two\n")
    handler, _ = scripted(
        httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(file_bytes))
    )
    td = mock_td(handler)
    assert await td.log_text(1, "+wf+t@1.log.gz") == "line one\nline two\n"


async def test_corrupt_log_is_invalid_response(mock_td: MockFactory) -> None:
    handler, _ = scripted(httpx.Response(200, content=b"\x1f\x8b" + b"garbage" * 10))
    td = mock_td(handler)
    with pytest.raises(InvalidResponse, match="not valid gzip"):
        await td.log_text(1, "+wf+t@1.log.gz")


async def test_broken_hook_does_not_break_calls(mock_td: MockFactory) -> None:
    def hook(method: str, path: str, status: int | None, seconds: float) -> None:
        raise RuntimeError("metrics down")

    handler, _ = scripted(httpx.Response(200, json={"status": "ok"}))
    td = mock_td(handler, on_response=hook)
    assert await td.server_status() == "ok"


async def test_schedules_page_by_the_fixed_hundred(mock_td: MockFactory) -> None:
    """The sandbox holds fewer than 100 schedules, so the second page is staged here."""

    def schedule(n: int) -> dict[str, object]:
        return {
            "id": str(n),
            "project": {"id": "1", "name": "p"},
            "workflow": {"id": "2", "name": "w"},
        }

    cursors: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        last_id = request.url.params.get("last_id")
        cursors.append(last_id)
        first = int(last_id or 0) + 1
        page = [schedule(n) for n in range(first, min(first + 100, 231))]
        return httpx.Response(200, json={"schedules": page})

    td = mock_td(handler)
    assert [s.id async for s in td.iter_schedules()] == [str(n) for n in range(1, 231)]
    assert cursors == [None, "100", "200"]


async def test_start_attempt_body(mock_td: MockFactory) -> None:
    """The exact JSON TD receives (the sandbox accepts looser shapes than TD may)."""
    handler, seen = scripted(httpx.Response(200, json=ATTEMPT))
    td = mock_td(handler)
    when = datetime(2024, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    await td.start_attempt(
        "9", when, {"a": 1}, retry_attempt_name="r2", resume_failed_attempt_id=55
    )
    request = seen[0]
    assert (request.method, request.url.path) == ("PUT", "/api/attempts")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "workflowId": "9",
        "sessionTime": "2024-05-01T09:00:00+09:00",
        "params": {"a": 1},
        "retryAttemptName": "r2",
        "resume": {"mode": "failed", "attemptId": "55"},
    }
