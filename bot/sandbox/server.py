"""Serving the sandbox: the ASGI gate (latency, faults, auth, request log) and uvicorn
in a background thread with its own event loop, on 127.0.0.1 and a free port."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.sandbox import wire
from bot.sandbox.faults import Fault
from bot.sandbox.requestlog import RequestRecord

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_NO_AUTH = frozenset({"/v3/system/server_status", "/api/version"})
_ADMIN = "/_sandbox/"
_SLASHES = re.compile(r"/{2,}")
_KEPT_BODY = 64 * 1024  # request bodies kept in the request log


def _wants_v3_shape(path: str) -> bool:
    return path.startswith("/v3/")


def _error_body(path: str, status: int, message: str) -> bytes:
    body = (
        wire.v3_error(message, message) if _wants_v3_shape(path) else wire.wf_error(message, status)
    )
    return json.dumps(body).encode()


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def http_error(request: Request, error: Exception) -> Response:
    """Unknown paths and methods answer in the error shape of the API they aimed at."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    message = f"HTTP {status} {'Not Found' if status == 404 else 'Method Not Allowed'}"
    body = _error_body(request.url.path, status, message)
    return Response(body, status, media_type="application/json")


async def _swallow(message: Message) -> None:
    """The real response of a request whose answer a fault replaces."""


def _retry_after(seconds: float) -> bytes:
    return (str(int(seconds)) if seconds == int(seconds) else repr(seconds)).encode()


class Gate:
    """Wraps the app: what a real TD endpoint adds around the resource handlers."""

    def __init__(self, app: App, sandbox: Sandbox) -> None:
        self.app = app
        self.sb = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if "//" in path:
            # TD sits behind nginx, which merges slashes: td-client-python sends
            # "//v3/..." when the endpoint has no trailing slash.
            path = _SLASHES.sub("/", path)
            scope = dict(scope, path=path, raw_path=path.encode())
        if scope["type"] != "http" or path.startswith(_ADMIN):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        begun = time.perf_counter()
        recorded = False
        sent = bytearray()

        async def listen() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(sent) < _KEPT_BODY:
                sent.extend(message.get("body", b"")[: _KEPT_BODY - len(sent)])
            return message

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                self.sb.requests.add(
                    RequestRecord(
                        method=scope.get("method", ""),
                        path=path,
                        query=scope.get("query_string", b"").decode("latin-1"),
                        status=status,
                        time=arrived,
                        duration=time.perf_counter() - begun,
                        body=sent.decode("utf-8", "replace"),
                    )
                )

        async def observe(message: Message) -> None:
            # Recorded before the client can see the response: a test that asserts
            # on the log right after its call must find the request there.
            if message["type"] == "http.response.start":
                record(int(message["status"]))
            await send(message)

        try:
            latency = self.sb.faults.latency
            if latency > 0:
                await asyncio.sleep(latency)
            fault = self.sb.faults.take(path)
            if fault is not None and not fault.after:
                await self._fault(path, fault, observe)
            elif path not in _NO_AUTH and not self._authorized(scope):
                await _respond(observe, 401, _error_body(path, 401, "Authentication failed"))
            elif fault is not None:
                await self.app(scope, listen, _swallow)
                await self._fault(path, fault, observe)
            else:
                await self.app(scope, listen, observe)
        finally:
            record(0)  # no response started (the handler raised, or the client left)

    def _authorized(self, scope: Scope) -> bool:
        expected = f"TD1 {self.sb.api_key}".encode()
        return any(
            name == b"authorization" and value.strip() == expected
            for name, value in scope.get("headers", [])
        )

    async def _fault(self, path: str, fault: Fault, send: Send) -> None:
        if fault.status == 429:
            retry = fault.retry_after or 0.0
            body = _error_body(path, 429, "Too Many Requests")
            await _respond(send, 429, body, [(b"retry-after", _retry_after(retry))])
        else:
            await _respond(send, fault.status, _error_body(path, fault.status, "Injected failure"))


class ServerThread:
    """uvicorn on a pre-bound loopback socket, run by a daemon thread's own loop."""

    def __init__(self, app: App, port: int = 0) -> None:
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections
        # only then, and without it every keep-alive response stalls 40 ms on Nagle.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, lifespan="off", log_level="warning", access_log=False, timeout_keep_alive=30
        )
        self._server = uvicorn.Server(config)
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="td-sandbox", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the sandbox server did not start in time")
        if self._failed is not None:
            raise RuntimeError("the sandbox server failed to start") from self._failed

    def stop(self, timeout: float = 5.0) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to start(); the thread just ends
            self._failed = error
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        server = self._server
        config = server.config
        if not config.loaded:
            config.load()
        server.lifespan = config.lifespan_class(config)
        self._stop = asyncio.Event()
        await server.startup(sockets=[self._socket])
        self._ready.set()
        await self._stop.wait()
        # uvicorn's own shutdown sleeps a fixed 0.1 s; closing idle keep-alive
        # connections ourselves lets a test's sandbox stop in milliseconds.
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 2.0
        # uvicorn has no "all connections closed" event to wait on.
        while server.server_state.connections and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        self._socket.close()
