"""The client pool behind TDClient: connections per host, and the bound on them."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from bot.sandbox import Sandbox
from bot.td._pool import ClientPool


def _pool(sandbox: Sandbox, bound: int) -> ClientPool:
    return ClientPool(
        max_concurrency=bound,
        headers={"Authorization": f"TD1 {sandbox.api_key}"},
        timeout=httpx.Timeout(10),
        transport=None,
    )


async def test_each_host_keeps_its_own_connection(sandbox: Sandbox) -> None:
    """TD's API and workflow hosts alternate in a diagnosis: neither evicts the other."""
    port = urlsplit(sandbox.url).port
    hosts = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    pool = _pool(sandbox, 4)
    try:
        for i in range(10):
            request = pool.build_request(
                "GET", f"{hosts[i % 2]}/v3/system/server_status", params=None, json=None
            )
            assert (await pool.send(request)).status_code == 200
        assert pool.size == 2
    finally:
        await pool.aclose()


async def test_no_more_connections_than_the_bound(sandbox: Sandbox) -> None:
    pool = _pool(sandbox, 3)
    try:
        requests = [
            pool.build_request("GET", f"{sandbox.url}/api/projects", params=None, json=None)
            for _ in range(20)
        ]
        responses = await asyncio.gather(*(pool.send(r) for r in requests))
        assert all(r.status_code == 200 for r in responses)
        assert pool.size == 3
    finally:
        await pool.aclose()


async def test_a_streamed_response_holds_its_slot_until_closed(sandbox: Sandbox) -> None:
    pool = _pool(sandbox, 1)
    try:
        url = f"{sandbox.url}/api/projects"
        first = await pool.send(pool.build_request("GET", url, params=None, json=None), stream=True)
        second = asyncio.create_task(
            pool.send(pool.build_request("GET", url, params=None, json=None))
        )
        for _ in range(50):
            await asyncio.sleep(0)
        assert not second.done()  # waiting for the one slot
        await first.aread()
        await first.aclose()
        assert (await second).status_code == 200
    finally:
        await pool.aclose()


async def test_a_body_the_transport_read_frees_the_slot_at_once() -> None:
    """MockTransport answers with the body in memory: closing it touches no stream."""
    pool = ClientPool(
        max_concurrency=1,
        headers={},
        timeout=httpx.Timeout(1),
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=b"log")),
    )
    try:
        for _ in range(3):
            request = pool.build_request("GET", "http://td.test/log", params=None, json=None)
            response = await asyncio.wait_for(pool.send(request, stream=True), 5)
            assert await response.aread() == b"log"
            await response.aclose()
    finally:
        await pool.aclose()
