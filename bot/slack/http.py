"""HTTP mode: one ASGI app with the Slack endpoint, health and metrics, served by uvicorn.

``POST /slack/events`` takes slash commands, events and interactivity (Bolt checks
every signature). ``GET /healthz`` answers 503 until start-up is done and while a
health check fails; the checks come from the caller (TD reachability now, the
alert loop's last poll later). ``GET /metrics`` is Prometheus text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.ops.metrics import Metrics

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


def create_asgi_app(
    app: AsyncApp | None,
    *,
    metrics: Metrics,
    health_checks: Sequence[HealthCheck] = (),
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """``app=None`` serves only health and metrics (Socket Mode has no Slack endpoint)."""
    state = {"ready": False}

    async def healthz(request: Request) -> Response:
        if not state["ready"]:
            return JSONResponse({"status": "starting"}, status_code=503)
        results = await asyncio.gather(*(_run_check(check) for _, check in health_checks))
        checks = {
            name: {"ok": result.ok, **result.details}
            for (name, _), result in zip(health_checks, results, strict=True)
        }
        ok = all(result.ok for result in results)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    if app is not None:
        handler = AsyncSlackRequestHandler(app)

        async def slack_events(request: Request) -> Response:
            return await handler.handle(request)

        routes.append(Route(EVENTS_PATH, slack_events, methods=["POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["ready"] = True
        try:
            yield
        finally:
            state["ready"] = False
            if on_shutdown is not None:
                await on_shutdown()

    return Starlette(routes=routes, lifespan=lifespan)


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
        server.should_exit = True

    watcher = asyncio.create_task(stop_when_told())
    try:
        await server.serve()
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
