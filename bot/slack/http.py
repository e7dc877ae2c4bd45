"""HTTP mode: one ASGI app with the Slack endpoint, health and metrics, served by uvicorn.

``POST /slack/events`` takes slash commands, events and interactivity: ``/td``
through ``CommandLane``, the rest through Bolt; each checks every signature.
``GET /metrics`` is Prometheus text. Health is split as interface.md says, so a TD
outage neither restarts the bot nor takes it out of the load balancer when users
most need it to answer "TD is unavailable":

- ``GET /healthz`` (liveness) answers 200 while the loop answers, with every
  check in its JSON and ``"status": "ok"`` or ``"degraded"``;
- ``GET /readyz`` (readiness) answers 200 once start-up is done and every
  readiness check (the store) passes; 503 before that, while stopping, or when
  one fails.

The checks come from the caller (TD, the alert loop, the store).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.ops.metrics import Metrics
from bot.slack.command_lane import CommandLane

log = logging.getLogger("bot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_TIMEOUT = 5.0


@dataclass(frozen=True)
class Health:
    ok: bool
    details: Mapping[str, Any] = field(default_factory=dict)


# A named dependency check, e.g. ("td", check_td) or ("alerts", last_poll_age).
HealthCheck = tuple[str, Callable[[], Awaitable[Health]]]


async def _run_check(check: Callable[[], Awaitable[Health]]) -> Health:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            return await check()
    except TimeoutError:
        return Health(False, {"error": f"no answer within {HEALTH_TIMEOUT:g}s"})
    except Exception as error:
        return Health(False, {"error": type(error).__name__})


async def _run_checks(checks: Sequence[HealthCheck]) -> tuple[bool, dict[str, Any]]:
    results = await asyncio.gather(*(_run_check(check) for _, check in checks))
    found = {
        name: {"ok": result.ok, **result.details}
        for (name, _), result in zip(checks, results, strict=True)
    }
    return all(result.ok for result in results), found


class Phase(StrEnum):
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"


def create_asgi_app(
    app: AsyncApp | None,
    *,
    metrics: Metrics,
    health_checks: Sequence[HealthCheck] = (),
    readiness_checks: Sequence[HealthCheck] = (),
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    acking: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
    command_lane: CommandLane | None = None,
) -> Starlette:
    """``app=None`` serves only health and metrics (Socket Mode has no Slack endpoint).

    ``health_checks`` are reported by /healthz only; ``readiness_checks`` are
    reported there too and decide /readyz. The app's ``state.phase`` (a
    ``Phase``) is ``starting`` until its lifespan starts, ``stopping`` from
    ``mark_stopping`` or the lifespan's end. ``acking`` wraps each Slack request up
    to its ack (``BackgroundTasks.acking``: answers give way meanwhile);
    ``command_lane`` takes the slash command before Bolt does.
    """
    every_check = [*readiness_checks, *health_checks]

    async def healthz(request: Request) -> Response:
        ok, checks = await _run_checks(every_check)
        return JSONResponse(
            {
                "status": "ok" if ok else "degraded",
                "ready": asgi.state.phase is Phase.READY,
                "checks": checks,
            }
        )

    async def readyz(request: Request) -> Response:
        phase: Phase = asgi.state.phase
        if phase is not Phase.READY:
            return JSONResponse({"status": phase.value}, status_code=503)
        ok, checks = await _run_checks(readiness_checks)
        return JSONResponse(
            {"status": "ready" if ok else "unready", "checks": checks},
            status_code=200 if ok else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    if app is not None:
        handler = AsyncSlackRequestHandler(app)

        async def slack_events(request: Request) -> Response:
            with acking():
                lane_ack = None if command_lane is None else await command_lane.handle(request)
                return lane_ack if lane_ack is not None else await handler.handle(request)

        routes.append(Route(EVENTS_PATH, slack_events, methods=["POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        asgi.state.phase = Phase.READY
        try:
            yield
        finally:
            mark_stopping(asgi)
            if on_shutdown is not None:
                await on_shutdown()

    asgi = Starlette(routes=routes, lifespan=lifespan)
    asgi.state.phase = Phase.STARTING
    return asgi


def mark_stopping(asgi: Starlette) -> None:
    """From now on /readyz answers 503, so the load balancer stops sending work here."""
    asgi.state.phase = Phase.STOPPING


async def serve_http(
    asgi: Starlette,
    host: str = "0.0.0.0",  # noqa: S104
    port: int = 3000,
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set); shutdown runs the app's ``on_shutdown``."""
    config = uvicorn.Config(
        asgi, host=host, port=port, lifespan="on", access_log=False, log_config=None
    )
    server = uvicorn.Server(config)
    if stop is None:
        await server.serve()
        return

    async def stop_when_told() -> None:
        await stop.wait()
        mark_stopping(asgi)
        server.should_exit = True

    watcher = asyncio.create_task(stop_when_told())
    try:
        await server.serve()
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
