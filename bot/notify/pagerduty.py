"""PagerDuty through the Events API v2, behind the notifier port.

An alert escalated to PagerDuty is one incident, keyed by its ``dedup_key``
(the alert's own key, given as the post's mark): ``post`` sends ``trigger``,
``acknowledge`` and ``resolve`` follow it. PagerDuty has no threads, no edits
and nothing to look up (``capabilities`` all false); the ``dedup_key`` makes a
repeated trigger the same incident instead, which is what exactly-once needs.

PagerDuty answers 202 when it took the event. 429 and 5xx (and a lost
connection) are retried with exponential backoff; 400 means the event itself
is wrong, which no retry fixes: a permanent ``NotifyError`` carrying
PagerDuty's own ``errors``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

import httpx

from bot.message import Message
from bot.notify.port import Capabilities, Marks, NotifyError

log = logging.getLogger(__name__)

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_CHARS = 1024  # PagerDuty's limit for payload.summary
Action = Literal["trigger", "acknowledge", "resolve"]


class PagerDutyNotifier:
    surface = "pagerduty"
    capabilities = Capabilities(threads=False, updates=False, findable=False)

    def __init__(
        self,
        routing_key: str,
        url: str = DEFAULT_URL,
        *,
        tries: int = 5,
        backoff: float = 1.0,
        timeout: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._routing_key = routing_key
        self._url = url
        self._tries = tries
        self._backoff = backoff
        self._sleep = sleep
        self._client = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        """``trigger`` an incident for ``message``; ``destination`` is its source.

        The first mark is the ``dedup_key``: the same alert triggers the same incident.
        """
        if not marks:
            raise ValueError("a PagerDuty event needs the alert's key as its mark")
        dedup_key = marks[0]
        payload: dict[str, Any] = {
            "summary": " ".join(message.text.split())[:SUMMARY_CHARS] or message.title,
            "source": destination,
            "severity": "error",
            "component": message.title[:255],
        }
        links = [{"href": link.url, "text": link.label} for link in message.links]
        await self.send("trigger", dedup_key, payload=payload, links=links)
        return dedup_key

    async def update(self, destination: str, ref: str, message: Message) -> None:
        raise NotifyError("PagerDuty events cannot be edited", error="unsupported", permanent=True)

    async def find_marked(
        self, destination: str, mark: str, *, thread: str | None, oldest: datetime
    ) -> str | None:
        return None  # not findable: the dedup_key makes a repeat harmless instead

    async def acknowledge(self, dedup_key: str) -> None:
        await self.send("acknowledge", dedup_key)

    async def resolve(self, dedup_key: str) -> None:
        await self.send("resolve", dedup_key)

    async def send(
        self,
        action: Action,
        dedup_key: str,
        *,
        payload: dict[str, Any] | None = None,
        links: list[dict[str, str]] | None = None,
    ) -> None:
        event: dict[str, Any] = {
            "routing_key": self._routing_key,
            "event_action": action,
            "dedup_key": dedup_key,
            "client": "tdbot",
        }
        if payload is not None:
            event["payload"] = payload
        if links:
            event["links"] = links
        for attempt in range(1, self._tries + 1):
            try:
                response = await self._client.post(self._url, json=event)
            except httpx.TransportError as exc:
                problem = NotifyError(f"PagerDuty unreachable: {exc!r}", error="transport")
            else:
                if response.status_code == 202:
                    return
                problem = _problem(response)
                if problem.permanent:
                    log.error("PagerDuty refused the %s of %s: %s", action, dedup_key, problem)
                    raise problem
            if attempt < self._tries:
                delay = self._backoff * 2 ** (attempt - 1)
                log.warning(
                    "PagerDuty %s of %s: %s; retry in %gs", action, dedup_key, problem, delay
                )
                await self._sleep(delay)
        log.error("PagerDuty %s of %s failed %d times: %s", action, dedup_key, self._tries, problem)
        raise problem


def _problem(response: httpx.Response) -> NotifyError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    details = body.get("errors") or body.get("message") or response.text[:200]
    if isinstance(details, list):
        details = "; ".join(str(d) for d in details)
    text = f"PagerDuty answered {status}: {details}"
    retriable = status == 429 or status >= 500
    return NotifyError(text, error=f"http_{status}", permanent=not retriable)
