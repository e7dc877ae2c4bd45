"""TD reads over aiohttp: the same ``httpx.Request`` in, an ``httpx.Response`` out.

httpcore's pure-Python HTTP/1.1 machinery costs far more CPU per request than
aiohttp's C parser, and a diagnosis or a burst of slash commands sends hundreds
of reads. Only reads come here: a transport error is mapped to the httpx error
of what went wrong (``ConnectError``/``ConnectTimeout`` only when no connection
was made), but because a read is always safe to send again, a mapping mistake
here can never make ``_http`` resend a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from yarl import URL

__all__ = ["ReadTransport"]

_CHUNK = 64 * 1024


class ReadTransport:
    """One aiohttp session (its connector keeps connections per host, at most
    ``limit`` of them); callers bound the requests in flight themselves."""

    def __init__(self, *, limit: int, ssl: Any) -> None:
        self._limit = limit
        self._ssl = ssl
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self.connections_made = 0

    async def send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        """The response; its body read unless ``stream`` (the caller then closes it)."""
        if self._closed:  # as httpx says of a closed client
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        session = self._session or self._open()
        timeout = request.extensions.get("timeout", {})
        try:
            answer = await session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=[
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
                ],
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=None,  # callers bound the requests: none waits for a connection
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
                allow_redirects=False,
            )
        except BaseException as exc:
            raise _mapped(exc) from exc
        response = httpx.Response(
            answer.status,
            headers=list(answer.raw_headers),
            stream=_Body(answer),
            request=request,
            extensions={"reason_phrase": (answer.reason or "").encode("latin-1", "replace")},
        )
        if not stream:
            try:
                await response.aread()  # to the end, then closed: the connection goes back
            except BaseException:
                await response.aclose()  # cut short: aiohttp drops the connection
                raise
        return response

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        """Made on first use: an aiohttp session belongs to the running event loop."""
        tracing = aiohttp.TraceConfig()
        tracing.on_connection_create_end.append(self._counted)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._limit, limit_per_host=0, ssl=self._ssl),
            # httpx decodes Content-Encoding itself (as with httpcore): hand it raw bytes.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            trace_configs=[tracing],
        )
        # aiohttp would resend a read whose connection dropped, unseen by our retry
        # policy, its count and its hook (and on a fresh connection too): ours decides.
        self._session._retry_connection = False
        return self._session

    async def _counted(self, *_: object) -> None:
        self.connections_made += 1


class _Body(httpx.AsyncByteStream):
    def __init__(self, answer: aiohttp.ClientResponse) -> None:
        self._answer = answer

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._answer.content.iter_chunked(_CHUNK):
                yield chunk
        except BaseException as exc:
            raise _mapped(exc) from exc

    async def aclose(self) -> None:
        self._answer.release()


def _mapped(exc: BaseException) -> BaseException:
    """The httpx error for an aiohttp one (other exceptions, e.g. cancellation, as they are)."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(exc) or "connect timed out")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc) or "connection failed")
    if isinstance(exc, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return httpx.ReadTimeout(str(exc) or "read timed out")
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(str(exc) or "server disconnected")
    if isinstance(exc, aiohttp.ClientError):
        return httpx.ReadError(str(exc) or type(exc).__name__)
    return exc
