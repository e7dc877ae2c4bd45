"""One HTTP exchange with TD: auth, retries, error mapping, observation.

Knows nothing of TD's resources; ``client.py`` names the endpoints and decodes
the bodies. Requests are identified by their path template everywhere (hook,
logs, errors) so that no id-dependent text and never the API key leaks out.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bot.td._pool import ClientPool
from bot.td._retry import RetryPolicy, parse_retry_after
from bot.td.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidResponse,
    NotFound,
    RateLimited,
    TDError,
    Unauthorized,
    Unavailable,
)

__all__ = ["HttpSession", "ResponseHook"]

log = logging.getLogger("bot.td")

# (method, path template, HTTP status or None on a transport error, seconds)
ResponseHook = Callable[[str, str, int | None, float], None]

_MESSAGE_KEYS = ("message", "error", "text", "errorMessage")  # v3 clients disagree (td-api §2.11)
_MAX_MESSAGE = 500
# Only these prove a write never reached the server, so only they may be retried for writes.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
_BY_STATUS: dict[int, type[TDError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


@dataclass(frozen=True)
class _Failure:
    error: TDError
    retryable: bool


class HttpSession:
    def __init__(
        self,
        api_key: str,
        *,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        user_agent: str,
        on_response: ResponseHook | None,
        transport: httpx.AsyncBaseTransport | None,
        max_concurrency: int,
    ) -> None:
        self._secrets = _secret_forms(api_key)
        self._retry = retry
        self._on_response = on_response
        self._rng = random.Random()  # jitter, not cryptography
        self._sent = 0
        self._client = ClientPool(
            max_concurrency=max_concurrency,
            headers={"Authorization": f"TD1 {api_key}", "User-Agent": user_agent},
            timeout=timeout,
            transport=transport,
        )

    @property
    def request_count(self) -> int:
        return self._sent

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        base: str,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        passthrough: Collection[int] = (),
        idempotent: bool | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """The 2xx response (or one with a status in ``passthrough``); else a TDError.

        ``idempotent`` (default: GET and HEAD) lets a write that TD deduplicates be
        retried after a timeout or a 5xx. With ``stream`` the body is left unread:
        the caller reads it and must ``aclose`` the response.
        """
        url = base + template.format_map({k: quote(v, safe="") for k, v in (path or {}).items()})
        request = self._client.build_request(method, url, params=params, json=json)
        if idempotent is None:
            idempotent = method in ("GET", "HEAD")
        started = time.monotonic()
        tries = 0
        while True:
            tries += 1
            outcome = await self._try(request, template, idempotent, passthrough, stream)
            if isinstance(outcome, httpx.Response):
                return outcome
            error = outcome.error
            if not outcome.retryable or tries >= self._retry.max_attempts:
                raise error
            delay = self._retry.delay(tries, _hint(error), self._rng)
            if time.monotonic() - started + delay > self._retry.max_total:
                raise error
            log.info(
                "td %s %s failed (%s); retry %d in %.2fs", method, template, error, tries, delay
            )
            await asyncio.sleep(delay)

    async def _try(
        self,
        request: httpx.Request,
        template: str,
        idempotent: bool,
        passthrough: Collection[int],
        stream: bool,
    ) -> httpx.Response | _Failure:
        """One try, observed and classified."""
        method = request.method
        self._sent += 1
        begun = time.perf_counter()
        try:
            response = await self._client.send(request, stream=stream)
            status = response.status_code
            if stream and not (200 <= status < 300 or status in passthrough):
                try:
                    await response.aread()  # an error body: small, and its message is wanted
                finally:
                    await response.aclose()
        except httpx.TransportError as exc:
            self._observe(method, template, None, time.perf_counter() - begun)
            error = Unavailable(
                self._clean(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__),
                status=None,
                method=method,
                path=template,
            )
            return _Failure(error, idempotent or isinstance(exc, _NEVER_SENT))
        self._observe(method, template, status, time.perf_counter() - begun)
        if 200 <= status < 300 or status in passthrough:
            return response
        return _Failure(
            self.error_for(response, template), idempotent and _retryable_status(status)
        )

    def error_for(self, response: httpx.Response, template: str) -> TDError:
        """The typed error for a non-success response, message cleaned."""
        status = response.status_code
        message = self._clean(_server_message(response))
        method = response.request.method
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return RateLimited(
                message, retry_after=retry_after, status=status, method=method, path=template
            )
        if status == 408 or status >= 500:
            return Unavailable(message, status=status, method=method, path=template)
        cls = _BY_STATUS.get(status, InvalidResponse)
        return cls(message, status=status, method=method, path=template)

    def _observe(self, method: str, template: str, status: int | None, seconds: float) -> None:
        log.debug("td %s %s -> %s in %.3fs", method, template, status, seconds)
        if self._on_response is None:
            return
        try:
            self._on_response(method, template, status, seconds)
        except Exception:  # a broken metrics hook must not break TD calls
            log.exception("on_response hook failed for %s %s", method, template)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        if len(text) > _MAX_MESSAGE:
            text = text[: _MAX_MESSAGE - 1] + "…"
        return text


def _secret_forms(api_key: str) -> tuple[str, ...]:
    """The key, and its secret half (TD keys are ``<account>/<hex>``), longest first."""
    _, _, secret = api_key.rpartition("/")
    return tuple(s for s in dict.fromkeys((api_key, secret)) if len(s) >= 4)


def _retryable_status(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _hint(error: TDError) -> float | None:
    return error.retry_after if isinstance(error, RateLimited) else None


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        if text and not text.startswith("<"):  # an HTML error page says nothing useful
            return text
    else:
        if isinstance(body, dict):
            for key in _MESSAGE_KEYS:
                value = body.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip()
        elif isinstance(body, str) and body.strip():
            return body.strip()
    return response.reason_phrase or f"HTTP {response.status_code}"
