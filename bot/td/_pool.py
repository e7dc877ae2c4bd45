"""Many TD requests in flight at once, within a bound, at a flat CPU cost per request.

httpcore re-examines every connection of a pool whenever a request starts or
ends (and, for each idle connection, the whole pool again), so one pool of a
few hundred connections costs more CPU per request than the request itself.
Small pools sidestep that: each request goes to the least busy of several
clients of ``SHARD`` connections, and a semaphore keeps the total in flight at
the bound, so no request ever queues inside httpcore and connections stay open
from one burst to the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["ClientPool"]

SHARD = 8  # connections per httpx client: httpcore's bookkeeping is quadratic in it


@dataclass
class _Shard:
    client: httpx.AsyncClient
    busy: int = 0


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
        # A caller's transport does its own pooling: one client over it.
        count = 1 if transport is not None else -(-max_concurrency // SHARD)
        size = min(SHARD, max_concurrency)
        self._shards = [
            _Shard(
                httpx.AsyncClient(
                    headers=dict(headers),
                    timeout=timeout,
                    transport=transport,
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                )
            )
            for _ in range(count)
        ]

    def build_request(
        self, method: str, url: str, *, params: Mapping[str, str] | None, json: Any
    ) -> httpx.Request:
        return self._shards[0].client.build_request(method, url, params=params, json=json)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """The response, its body read; waits while the bound is reached."""
        async with self._slots:
            shard = min(self._shards, key=lambda s: s.busy)
            shard.busy += 1
            try:
                return await shard.client.send(request)
            finally:
                shard.busy -= 1

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.client.aclose()
