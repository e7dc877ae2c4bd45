"""Many TD requests in flight at once, within a bound, at a flat CPU cost per request.

httpcore re-examines every connection of a pool whenever a request starts or
ends (and, for each idle connection, the whole pool again), so one pool of a
few hundred connections costs more CPU per request than the request itself.
Here each connection is a client of its own: a request takes an idle one
connected to its host (or a new one while fewer than the bound exist) and gives
it back when its response is read, and a semaphore keeps the requests in flight
at the bound. Nothing queues inside httpcore, and connections stay open from
one burst to the next.

Reads (GET) go through ``ReadTransport`` (aiohttp, far less CPU per request)
unless a test gives its own transport; writes stay on httpx, whose errors say
exactly whether a request can have reached TD.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx

from bot.td._reads import ReadTransport

__all__ = ["ClientPool"]

_Origin = tuple[str, str, int | None]


class ClientPool:
    def __init__(
        self,
        *,
        max_concurrency: int,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._bound = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._headers = dict(headers)
        self._timeout = timeout
        self._transport = transport
        # Loading the CA bundle takes tens of milliseconds: once, not per connection.
        self._ssl = httpx.create_ssl_context()
        self._clients: list[httpx.AsyncClient] = []
        self._closing: set[asyncio.Future[None]] = set()  # dropped clients being closed
        # Builds requests (headers, timeouts) and sends none, so dropping clients never
        # leaves the pool without one to build with.
        self._template = httpx.AsyncClient(headers=self._headers, timeout=timeout)
        # Idle clients by the origin their connection goes to.
        self._idle: dict[_Origin, list[httpx.AsyncClient]] = {}
        self._reads = (
            ReadTransport(limit=max_concurrency, ssl=self._ssl) if transport is None else None
        )

    @property
    def size(self) -> int:
        """Connections (at most) made so far: writes' clients and reads' connections."""
        return len(self._clients) + (self._reads.connections_made if self._reads else 0)

    def build_request(
        self, method: str, url: str, *, params: Mapping[str, str] | None, json: Any
    ) -> httpx.Request:
        return self._template.build_request(method, url, params=params, json=json)

    async def send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """The response, its body read unless ``stream``; waits while the bound is
        reached. A streamed response holds its slot and connection until closed."""
        if self._reads is not None and request.method == "GET":
            return await self._read(self._reads, request, stream)
        origin = (request.url.scheme, request.url.host, request.url.port)
        await self._slots.acquire()
        client = self._take(origin)
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._idle.setdefault(origin, []).append(client)
                self._slots.release()

        try:
            response = await client.send(request, stream=stream)
        except BaseException:
            # A send cut short (an error, or a sibling's failure cancelling it) may leave
            # the client's one connection checked out: a later request would wait on it
            # until PoolTimeout. So the client is dropped, and a fresh one takes its place.
            self._clients.remove(client)
            self._closing.add(asyncio.ensure_future(client.aclose()))
            self._closing = {t for t in self._closing if not t.done()}
            self._slots.release()
            raise
        if not stream or response.is_closed:  # a transport may answer with a body read
            release()
        else:
            assert isinstance(response.stream, httpx.AsyncByteStream)  # an async client's
            response.stream = _Releasing(response.stream, release)
        return response

    async def _read(
        self, reads: ReadTransport, request: httpx.Request, stream: bool
    ) -> httpx.Response:
        await self._slots.acquire()
        try:
            response = await reads.send(request, stream=stream)
        except BaseException:
            self._slots.release()
            raise
        if not stream:
            self._slots.release()
        else:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _Releasing(response.stream, _once(self._slots.release))
        return response

    async def aclose(self) -> None:
        if self._reads is not None:
            await self._reads.aclose()
        await self._template.aclose()
        for client in self._clients:
            await client.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _take(self, origin: _Origin) -> httpx.AsyncClient:
        """An idle client for ``origin``: one already connected there (the most
        recently used), else a fresh one, else one connected elsewhere (it
        reconnects). A slot is held, so fewer than the bound are busy."""
        idle = self._idle.get(origin)
        if idle:
            return idle.pop()
        if len(self._clients) < self._bound:
            return self._new_client()
        return next(idle for idle in self._idle.values() if idle).pop()

    def _new_client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            headers=self._headers,
            timeout=self._timeout,
            verify=self._ssl,
            transport=self._transport,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self._clients.append(client)
        return client


def _once(action: Callable[[], None]) -> Callable[[], None]:
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return run


class _Releasing(httpx.AsyncByteStream):
    """A streamed body that gives its connection back to the pool once closed."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._release()
