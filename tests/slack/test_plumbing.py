"""Event dedupe, background tasks and the health endpoints: the small parts of the Slack side."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from bot.ops.metrics import Metrics
from bot.slack import http as http_module
from bot.slack.dedupe import RecentKeys
from bot.slack.http import Health, Phase, create_asgi_app
from bot.slack.tasks import BackgroundTasks


async def test_recent_keys_answers_once_per_window() -> None:
    now = [0.0]
    seen = RecentKeys(ttl=10, capacity=3, clock=lambda: now[0])
    assert await seen.first_time("a")
    assert not await seen.first_time("a")
    now[0] = 11
    assert await seen.first_time("a")  # expired, so a genuinely new delivery


async def test_recent_keys_is_bounded() -> None:
    seen = RecentKeys(ttl=100, capacity=2, clock=lambda: 0.0)
    for key in "abc":
        assert await seen.first_time(key)
    assert await seen.first_time("a")  # evicted to make room
    assert not await seen.first_time("c")


async def test_background_tasks_hold_log_and_drain(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks()
    done = asyncio.Event()

    async def fine() -> None:
        await asyncio.sleep(0.01)
        done.set()

    async def broken() -> None:
        raise RuntimeError("boom")

    async def stuck() -> None:
        await asyncio.sleep(60)

    tasks.spawn(fine(), name="fine")
    tasks.spawn(broken(), name="broken")
    hung = tasks.spawn(stuck(), name="stuck")
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        await tasks.drain(grace=0.2)
    assert done.is_set()
    assert hung.cancelled()
    assert len(tasks) == 0
    assert "background task broken failed" in caplog.text


async def test_background_tasks_run_at_most_max_running_at_once() -> None:
    tasks = BackgroundTasks(max_running=3)
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    for i in range(10):
        tasks.spawn(work(), name=f"w{i}")
    assert len(tasks) == 10  # all queued at once; none is lost
    await tasks.drain(grace=5)
    assert peak == 3


async def test_answers_start_once_no_request_is_being_acked() -> None:
    tasks = BackgroundTasks()
    started = asyncio.Event()

    async def answer() -> None:
        started.set()

    with tasks.acking():
        tasks.spawn(answer(), name="answer")
        for _ in range(20):  # many loop turns: the answer would have started by now
            await asyncio.sleep(0)
        assert not started.is_set()
    await asyncio.wait_for(started.wait(), timeout=1)


async def test_a_stream_of_acks_does_not_starve_answers() -> None:
    tasks = BackgroundTasks(ack_first_wait=0.05)
    started = asyncio.Event()

    async def answer() -> None:
        started.set()

    with tasks.acking():  # never released while the answer waits
        tasks.spawn(answer(), name="answer")
        await asyncio.wait_for(started.wait(), timeout=1)


async def test_readiness_waits_for_start_up_and_checks_only_readiness() -> None:
    async def fine() -> Health:
        return Health(True, {"answered": True})

    async def broken() -> Health:
        raise ConnectionRefusedError

    asgi = create_asgi_app(
        None,
        metrics=Metrics(),
        health_checks=[("td", broken)],
        readiness_checks=[("store", fine)],
    )
    # ASGITransport runs no lifespan: this is the app before start-up is done.
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        ready = await http.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"status": "starting"})
        health = await http.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {
            "status": "degraded",
            "ready": False,
            "checks": {
                "store": {"ok": True, "answered": True},
                "td": {"ok": False, "error": "ConnectionRefusedError"},
            },
        }

        asgi.state.phase = Phase.READY
        ready = await http.get("/readyz")  # TD's failure is not the store's
        assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_a_check_that_hangs_fails_after_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    async def hangs() -> Health:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setattr(http_module, "HEALTH_TIMEOUT", 0.05)
    asgi = create_asgi_app(None, metrics=Metrics(), readiness_checks=[("store", hangs)])
    asgi.state.phase = Phase.READY
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["store"] == {"ok": False, "error": "no answer within 0.05s"}
