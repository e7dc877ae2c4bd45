"""Injected latency, failures and rate limits; the request log; the admin endpoints."""

from __future__ import annotations

import asyncio
import time

import httpx

from bot.sandbox import Sandbox
from tests.sandbox.shapes import json_of


async def test_latency_is_an_asyncio_sleep_so_requests_overlap(sandbox: Sandbox) -> None:
    sandbox.faults.latency = 0.1
    headers = {"Authorization": f"TD1 {sandbox.api_key}"}
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(
        base_url=sandbox.url, headers=headers, limits=limits, timeout=10
    ) as client:
        await client.get("/api/version")  # warm the path; latency applies to it too
        begun = time.perf_counter()
        responses = await asyncio.gather(*(client.get("/api/projects") for _ in range(50)))
        elapsed = time.perf_counter() - begun
    assert {r.status_code for r in responses} == {200}
    assert 0.1 <= elapsed < 1.0, elapsed  # 50 x 100 ms in sequence would be 5 s


def test_fail_hits_the_next_n_matching_requests(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults.fail(2, status=503, path_prefix="/api/attempts")
    assert api.get("/api/projects").status_code == 200  # other paths untouched
    first = api.get("/api/attempts")
    assert json_of(first, 503) == {"message": "Injected failure", "status": 503}
    assert api.get("/api/attempts/1").status_code == 503
    assert api.get("/api/attempts").status_code == 200
    sandbox.faults.fail(1, status=500)
    v3 = json_of(api.get("/v3/job/list"), 500)
    assert set(v3) == {"error", "message", "text", "severity"}  # v3's error shape on /v3


def test_rate_limit_sends_retry_after(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit(2, retry_after=3)
    limited = api.get("/api/projects")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
    assert api.get("/v3/job/list").status_code == 429
    assert api.get("/api/projects").status_code == 200
    sandbox.faults.rate_limit(1, retry_after=0.25)
    assert api.get("/api/projects").headers["retry-after"] == "0.25"


def test_clear_removes_every_fault(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults.fail(5)
    sandbox.faults.rate_limit(5)
    sandbox.faults.latency = 0.05
    sandbox.faults.clear()
    assert sandbox.faults.latency == 0
    assert api.get("/api/projects").status_code == 200


def test_request_log(api: httpx.Client, anon: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.requests.clear()
    api.get("/api/attempts", params={"page_size": 3})
    api.get("/v3/job/list")
    api.post("/api/attempts/1/kill", json={})
    anon.get("/api/projects")
    anon.get("/_sandbox/requests")  # the admin side is not TD traffic
    records = sandbox.requests.records
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/api/attempts", 200),
        ("GET", "/v3/job/list", 200),
        ("POST", "/api/attempts/1/kill", 404),
        ("GET", "/api/projects", 401),
    ]
    assert records[0].query == "page_size=3"
    assert all(r.time > 0 and r.duration >= 0 for r in records)
    assert sandbox.requests.count() == 4
    assert sandbox.requests.count(path_prefix="/api") == 3
    assert sandbox.requests.count(path_prefix="/api", method="POST") == 1
    sandbox.requests.clear()
    assert sandbox.requests.count() == 0


def test_admin_endpoints_over_http(api: httpx.Client, anon: httpx.Client, sandbox: Sandbox) -> None:
    before = sandbox.clock.now()
    set_up = anon.post(
        "/_sandbox/faults",
        json={"fail": {"n": 1, "status": 502, "path_prefix": "/v3"}, "latency": 0.01},
    )
    assert json_of(set_up) == {"latency": 0.01}
    assert api.get("/v3/job/list").status_code == 502
    log = json_of(anon.get("/_sandbox/requests"))
    assert log["records"][-1]["path"] == "/v3/job/list" and log["records"][-1]["status"] == 502
    assert json_of(anon.post("/_sandbox/reset-faults")) == {"latency": 0.0}
    assert sandbox.faults.latency == 0

    tick = json_of(anon.post("/_sandbox/advance", json={"seconds": 3600}))
    assert tick["started"] and tick["finished"]
    assert (sandbox.clock.now() - before).total_seconds() == 3600
    cases = json_of(anon.get("/_sandbox/cases"))
    assert cases["presto_missing_column"] == sandbox.case_attempt_id("presto_missing_column")
    bad = anon.post("/_sandbox/fail-next", json={"workflow": "nope", "case": "x"})
    assert bad.status_code == 400
