"""Where alerts go: a chat poster protocol, its errors, and the Slack Web API version.

Alerts never import Bolt. The poster is the only piece that knows Slack's wire
format, so the demo console (or a test) can stand in with its own poster.

Exactly-once delivery needs one thing Slack does not offer: an idempotency key
on ``chat.postMessage`` (slackapi/slack-api-specs#10 is an open request for
one; ``client_msg_id`` is what Slack clients attach to *user* messages and is
not a documented argument of the method). So every alert message carries
message metadata (documented for ``chat.postMessage``) naming the delivery
claims it fulfils, and before a claim that may already have been posted is
posted again, ``find_marked`` looks for that metadata in the channel
(``conversations.history`` / ``conversations.replies`` with
``include_all_metadata``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

MARK_EVENT_TYPE = "tdbot_alert"
"""``metadata.event_type`` of every alert message; the payload lists claim keys."""

Blocks = Sequence[Mapping[str, Any]]

# Errors after which the same request will fail the same way: waiting does not help.
_PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
    }
)
# The request was fine except for its content: a plain-text post will go through.
_CONTENT_REJECTED = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long"}
)
_HISTORY_PAGES = 5  # a lost post is looked for among this many pages of messages
_HISTORY_PAGE_SIZE = 200


class ChatError(Exception):
    """A chat call failed. ``error`` is Slack's error code (or a transport kind).

    ``permanent``: retrying the same request cannot succeed.
    ``content_rejected``: the blocks were refused; the plain text alone may pass.
    """

    def __init__(
        self,
        message: str,
        *,
        error: str,
        permanent: bool = False,
        content_rejected: bool = False,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.permanent = permanent
        self.content_rejected = content_rejected


class ChatRateLimited(ChatError):
    """HTTP 429: wait ``retry_after`` seconds before the next call to that channel."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, error="ratelimited")
        self.retry_after = retry_after


class ChatPoster(Protocol):
    """Posts and edits alert messages; every method raises ``ChatError`` on failure."""

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        thread_ts: str | None = None,
        *,
        marks: Sequence[str] = (),
    ) -> str:
        """Post; return the message ``ts``. ``marks`` go into the message metadata."""
        ...

    async def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> None: ...

    async def find_marked(
        self, channel: str, mark: str, *, thread_ts: str | None, oldest: datetime
    ) -> str | None:
        """The ``ts`` of a message posted since ``oldest`` that carries ``mark``, if any."""
        ...


def mark_metadata(marks: Sequence[str]) -> dict[str, Any]:
    return {"event_type": MARK_EVENT_TYPE, "event_payload": {"claims": list(marks)}}


def message_marks(message: Mapping[str, Any]) -> list[str]:
    """The claim keys a Slack message object carries in its metadata."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != MARK_EVENT_TYPE:
        return []
    payload = metadata.get("event_payload")
    claims = payload.get("claims") if isinstance(payload, Mapping) else None
    return [str(c) for c in claims] if isinstance(claims, list) else []


class SlackChatPoster:
    """``ChatPoster`` over slack_sdk's AsyncWebClient.

    No rate-limit retry handler is installed on purpose: a 429 surfaces at once
    as ``ChatRateLimited`` so the caller pauses only that channel and keeps
    delivering to the others.
    """

    def __init__(self, client: AsyncWebClient, *, timeout: float = 15.0) -> None:
        self._client = client
        self._timeout = timeout

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        thread_ts: str | None = None,
        *,
        marks: Sequence[str] = (),
    ) -> str:
        args: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if blocks:
            args["blocks"] = [dict(b) for b in blocks]
        if thread_ts is not None:
            args["thread_ts"] = thread_ts
        if marks:
            args["metadata"] = mark_metadata(marks)
        response = await self._call("chat.postMessage", json=args)
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise ChatError("chat.postMessage answered ok without a ts", error="invalid_response")
        return ts

    async def update_message(self, channel: str, ts: str, text: str, blocks: Blocks) -> None:
        # An empty list clears the old blocks, leaving the text.
        args = {"channel": channel, "ts": ts, "text": text, "blocks": [dict(b) for b in blocks]}
        await self._call("chat.update", json=args)

    async def find_marked(
        self, channel: str, mark: str, *, thread_ts: str | None, oldest: datetime
    ) -> str | None:
        method = "conversations.history" if thread_ts is None else "conversations.replies"
        args: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{oldest.timestamp():.6f}",
            "include_all_metadata": "true",
            "limit": _HISTORY_PAGE_SIZE,
        }
        if thread_ts is not None:
            args["ts"] = thread_ts
        for _ in range(_HISTORY_PAGES):
            # POST with a form body: every Web API method accepts it.
            response = await self._call(method, data=args)
            for message in response.get("messages") or ():
                if isinstance(message, Mapping) and mark in message_marks(message):
                    found = message.get("ts")
                    return found if isinstance(found, str) else None
            meta = response.get("response_metadata")
            cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
            if not cursor:
                return None
            args["cursor"] = cursor
        return None

    async def _call(self, method: str, **kwargs: Any) -> Mapping[str, Any]:
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.api_call(method, **kwargs)
        except SlackApiError as exc:
            raise _from_slack_error(method, exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The request may or may not have reached Slack: callers treat the
            # post as possibly made (see find_marked).
            raise ChatError(f"{method}: {type(exc).__name__}", error="transport") from exc
        data = response.data
        if not isinstance(data, Mapping):
            raise ChatError(f"{method}: body is not a JSON object", error="invalid_response")
        return data


def _from_slack_error(method: str, exc: SlackApiError) -> ChatError:
    response = exc.response
    status = getattr(response, "status_code", None)
    if status == 429:
        headers = getattr(response, "headers", {}) or {}
        return ChatRateLimited(f"{method}: rate limited", retry_after=_retry_after(headers))
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, Mapping) else None
    code = error if isinstance(error, str) and error else f"http_{status}"
    return ChatError(
        f"{method}: {code}",
        error=code,
        permanent=code in _PERMANENT,
        content_rejected=code in _CONTENT_REJECTED,
    )


def _retry_after(headers: Mapping[str, Any]) -> float:
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0
