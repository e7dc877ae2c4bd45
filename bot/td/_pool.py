"""Many TD requests in flight at once, within a bound, at a flat CPU cost per request.

httpcore re-examines every connection of a pool whenever a request starts or
ends (and, for each idle connection, the whole pool again), so one pool of a
few hundred connections costs more CPU per request than the request itself.
Here each connection is a client of its own: a request takes an idle one (or a
new one while fewer than the bound exist) and gives it back when its response
is read, and a semaphore keeps the requests in flight at the bound. Nothing
queues inside httpcore, and connections stay open from one burst to the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["ClientPool"]


class ClientPool:
    def __init__(
        self,
        *,
        max_concurrency: int,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._slots = asyncio.Semaphore(max_concurrency)
        self._headers = dict(headers)
        self._timeout = timeout
        self._transport = transport
        # Loading the CA bundle takes tens of milliseconds: once, not per connection.
        self._ssl = httpx.create_ssl_context()
        self._clients: list[httpx.AsyncClient] = []
        self._idle: list[httpx.AsyncClient] = []
        self._idle.append(self._new_client())

    def build_request(
        self, method: str, url: str, *, params: Mapping[str, str] | None, json: Any
    ) -> httpx.Request:
        return self._clients[0].build_request(method, url, params=params, json=json)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """The response, its body read; waits while the bound is reached."""
        async with self._slots:
            # The most recently used first: its connection is the likeliest still open.
            client = self._idle.pop() if self._idle else self._new_client()
            try:
                return await client.send(request)
            finally:
                self._idle.append(client)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()

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
