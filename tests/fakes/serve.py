"""Run an ASGI app under uvicorn on a loopback port chosen by the OS.

Two shapes: ``serve_in_thread`` gives the app its own event loop (for fakes
that must keep answering while a test blocks), and ``serve_in_loop`` runs the
app on the caller's loop (for the bot itself, whose httpx and aiohttp clients
belong to the loop that created them).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.types import ASGIApp


def _config(app: ASGIApp) -> uvicorn.Config:
    return uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", access_log=False
    )


def _bound_url(server: uvicorn.Server) -> str:
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp, *, timeout: float = 10.0) -> Iterator[str]:
    """Yield the base URL (no trailing slash) while the app serves from a thread."""
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, name="asgi-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.005)
    try:
        yield _bound_url(server)
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextlib.asynccontextmanager
async def serve_in_loop(app: ASGIApp, *, timeout: float = 10.0) -> AsyncIterator[str]:
    """Yield the base URL while the app serves from a task on the running loop."""
    server = uvicorn.Server(_config(app))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(timeout):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the test server stopped before it started")
            await asyncio.sleep(0.005)
    try:
        yield _bound_url(server)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout)
