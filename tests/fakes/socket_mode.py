"""A fake Socket Mode WebSocket endpoint (aiohttp, in its own thread).

``FakeSlackAPI(socket_mode=...)`` hands its URL out from ``apps.connections.open``.
Tests push envelopes as Slack would (``send``) and read what the bot sent back
on the socket: acks are ``{"envelope_id": ..., "payload": ...}`` frames.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._socket: web.WebSocketResponse | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="fake-socket-mode", daemon=True)
        self.url = ""

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Socket Mode server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._connect)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/link"
        self._ready.set()
        while not self._stopped.is_set():
            await asyncio.sleep(0.02)
        await runner.cleanup()

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1})
        with self._changed:
            self._changed.notify_all()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                with self._changed:
                    self.received.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {what} within {timeout}s")
                self._changed.wait(left)

    async def send(self, envelope: dict[str, Any], timeout: float = 5.0) -> None:
        """Push an envelope to the connected bot (waits for the bot to connect)."""

        def connected() -> bool:
            return self._socket is not None

        await asyncio.to_thread(self._wait, connected, timeout, "Socket Mode connection")
        socket = self._socket
        assert socket is not None
        sent = asyncio.run_coroutine_threadsafe(socket.send_json(envelope), self._loop)
        await asyncio.wrap_future(sent)

    async def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The frame the bot sent back for ``envelope_id``."""

        def found() -> dict[str, Any] | None:
            return next((r for r in self.received if r.get("envelope_id") == envelope_id), None)

        await asyncio.to_thread(self._wait, lambda: found() is not None, timeout, "ack")
        frame = found()
        assert frame is not None
        return frame
