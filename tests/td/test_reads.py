"""Reads go over aiohttp, writes over httpx: a server that drops the connection after
reading a request is retried for a read and never for a write, and each aiohttp
failure becomes the httpx error of what happened."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest

from bot.sandbox import Sandbox
from bot.td import Endpoints, TDClient
from bot.td._reads import _mapped
from bot.td.errors import Unavailable
from tests.td.helpers import FAST_RETRY


class Dropper:
    """Reads each request's head, then closes the connection without an answer
    (``close=True``) or keeps it open and silent."""

    def __init__(self, *, close: bool) -> None:
        self.close = close
        self.requests: list[bytes] = []
        self._open: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head.split(b"\r\n", 1)[0])
        if self.close:
            writer.close()
        else:
            self._open.append(writer)


async def _serve(dropper: Dropper) -> AsyncIterator[Endpoints]:
    server = await asyncio.start_server(dropper.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    try:
        yield Endpoints(api=url, workflow=url, console=url, region=None)
    finally:
        server.close()


@pytest.fixture
async def dropping() -> AsyncIterator[tuple[Dropper, Endpoints]]:
    dropper = Dropper(close=True)
    async for endpoints in _serve(dropper):
        yield dropper, endpoints


async def test_a_read_cut_off_after_sending_is_retried(
    dropping: tuple[Dropper, Endpoints],
) -> None:
    dropper, endpoints = dropping
    async with TDClient("k" * 8, endpoints, retry=FAST_RETRY) as client:
        with pytest.raises(Unavailable, match="RemoteProtocolError") as info:
            await client.job(1)
    assert info.value.method == "GET" and info.value.status is None
    assert len(dropper.requests) == client.request_count == FAST_RETRY.max_attempts
    assert all(line.startswith(b"GET /v3/job/show/1 ") for line in dropper.requests)


async def test_a_write_cut_off_after_sending_is_not_resent(
    dropping: tuple[Dropper, Endpoints],
) -> None:
    """The write may have reached TD: it goes once (httpx says the peer closed, not
    that the connection never opened)."""
    dropper, endpoints = dropping
    async with TDClient("k" * 8, endpoints, retry=FAST_RETRY) as client:
        with pytest.raises(Unavailable, match="RemoteProtocolError"):
            await client.kill_job(1)
    assert [line.split(b" ")[0] for line in dropper.requests] == [b"POST"]
    assert client.request_count == 1


async def test_a_silent_server_is_a_read_timeout() -> None:
    dropper = Dropper(close=False)
    async for endpoints in _serve(dropper):
        timeout = httpx.Timeout(0.2, connect=1)
        async with TDClient("k" * 8, endpoints, retry=FAST_RETRY, timeout=timeout) as client:
            with pytest.raises(Unavailable, match="ReadTimeout"):
                await client.job(1)
        assert len(dropper.requests) == FAST_RETRY.max_attempts


async def test_streamed_logs_and_json_read_over_aiohttp(sandbox: Sandbox, td: TDClient) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    files = await td.log_files(attempt_id)
    texts = await asyncio.gather(*(td.log_text(attempt_id, f.file_name) for f in files))
    assert files and any("failed" in text for text in texts)  # gunzipped as before
    assert (await td.attempt(attempt_id)).id == attempt_id


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (aiohttp.ConnectionTimeoutError(), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError(), httpx.ReadTimeout),
        (TimeoutError(), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("cut"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
    ],
)
def test_aiohttp_errors_map_to_what_happened(raised: Exception, expected: type) -> None:
    assert type(_mapped(raised)) is expected


def test_cancellation_is_not_mapped() -> None:
    cancelled = asyncio.CancelledError()
    assert _mapped(cancelled) is cancelled


async def test_a_closed_client_sends_no_read(sandbox: Sandbox) -> None:
    client = TDClient(sandbox.api_key, sandbox.endpoints())
    await client.server_status()
    await client.aclose()
    sandbox.requests.clear()
    with pytest.raises(RuntimeError, match="closed"):
        await client.job(1)
    assert sandbox.requests.records == []


async def test_a_body_cut_short_is_a_read_error_retried() -> None:
    """Headers, then half the promised body, then the connection closes."""
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"status":')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        endpoints = Endpoints(api=url, workflow=url, console=url, region=None)
        async with TDClient("k" * 8, endpoints, retry=FAST_RETRY) as client:
            with pytest.raises(Unavailable, match="RemoteProtocolError"):
                await client.server_status()
        assert len(requests) == FAST_RETRY.max_attempts
    finally:
        server.close()
