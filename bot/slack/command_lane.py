"""HTTP mode's short way for ``/td``: signature, form, handler, JSON, past Bolt's dispatch.

Fifty commands can arrive within a few milliseconds (a channel's stand-up, a
script), and their acks share one event loop: the last waits for the CPU of all the
others. Bolt's dispatch costs about 0.14 ms a request beyond the signature check
(a request object, a context with its own ``AsyncWebClient``, the middleware chain,
listener matching, keyword injection), 7 ms over such a wave: the difference
between an ack p99 under 30 ms and over it (``bench/ack_latency.py``). A slash
command needs none of that: here it gets the check Bolt makes (slack_sdk's
``SignatureVerifier``: HMAC over the raw body, at most 5 minutes of clock skew,
401 otherwise) and then the handler Bolt's listener calls in Socket Mode
(``commands.take``). Everything else, ``ssl_check`` probes included, goes to Bolt.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("bot.slack")

FORM = "application/x-www-form-urlencoded"

TakeCommand = Callable[[Mapping[str, str]], Awaitable[dict[str, Any]]]


class CommandLane:
    def __init__(self, signing_secret: str, command: str, take: TakeCommand) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._command = command
        self._take = take

    async def handle(self, request: Request) -> Response | None:
        """The response to this request when it is the slash command; None leaves it to Bolt."""
        if not request.headers.get("content-type", "").startswith(FORM):
            return None
        body = await request.body()  # Starlette keeps it: Bolt reads the same bytes
        if b"command=" not in body:
            return None  # a click's ``payload=`` form: not parsed twice (Bolt parses it)
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if fields.get("command") != self._command or "ssl_check" in fields:
            return None
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not (timestamp.isdigit() and self._verifier.is_valid(body, timestamp, signature)):
            log.info("refused a %s request with a bad or stale signature", self._command)
            return JSONResponse({"error": "invalid request"}, status_code=401)
        return JSONResponse(await self._take(fields))
