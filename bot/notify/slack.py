"""The Slack notifier: every message tdbot sends to Slack goes through here.

One client factory (``slack_client``), one error taxonomy (``slack_error``),
one renderer (``bot.render.render_slack``). Besides the port's post, update
and find, Slack has interactive replies: ``respond`` (a slash command's or a
button's ``response_url``), ``ephemeral`` and file ``upload``.

Content Slack refuses (``invalid_blocks``, ``msg_blocks_too_long``) is sent
again as its plain text, so a reader gets the message rather than silence.

Exactly-once needs one thing Slack does not offer: an idempotency key on
``chat.postMessage`` (slackapi/slack-api-specs#10 is an open request for one;
``client_msg_id`` is what Slack clients attach to *user* messages and is not a
documented argument of the method). So a message posted with ``marks`` carries
them in its message metadata (documented for ``chat.postMessage``), and
``find_marked`` looks for them in the channel (``conversations.history`` /
``conversations.replies`` with ``include_all_metadata``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.message import File, Message
from bot.notify.port import Capabilities, Marks, NotifyError, NotifyRateLimited
from bot.ops.metrics import Metrics
from bot.render import SlackMessage, render_home, render_slack
from bot.text import plain

log = logging.getLogger("bot.slack")

SLACK_TIMEOUT = 10  # seconds, for each Web API and response_url call
CALL_DEADLINE = 15.0  # seconds for a whole call, its connection retry included
RATE_LIMIT_RETRIES = 3
FILE_TITLE = 250  # characters of a file's title
MARK_EVENT_TYPE = "tdbot_alert"
"""``metadata.event_type`` of every marked message; the payload lists the marks."""

# Errors after which the same request will fail the same way: waiting does not help.
PERMANENT = frozenset(
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
# The request was fine except for its content: the plain text alone will go through.
CONTENT_REJECTED = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long"}
)
_HISTORY_PAGES = 5  # a lost post is looked for among this many pages of messages
_HISTORY_PAGE_SIZE = 200
_MEMBER_PAGE_SIZE = 999  # users.conversations' largest page
_MEMBER_PAGES = 10  # a person in more channels than this many pages: the first ones count


def slack_client(token: str, base_url: str, *, retry_rate_limits: bool) -> AsyncWebClient:
    """The one way tdbot makes a Web API client.

    ``retry_rate_limits``: sleep through a 429 inside the client (answers to a
    person, who waits anyway). Alert delivery passes False so a 429 reaches it
    at once and only that channel is paused while the others go on.
    """
    client = AsyncWebClient(token=token, base_url=base_url, timeout=SLACK_TIMEOUT)
    client.retry_handlers = _retry_handlers(rate_limits=retry_rate_limits)
    return client


def _retry_handlers(*, rate_limits: bool) -> list[AsyncRetryHandler]:
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler(max_retry_count=1)]
    if rate_limits:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return handlers


def slack_error(method: str, exc: SlackApiError) -> NotifyError:
    """Slack's answer as tdbot's error taxonomy."""
    response = exc.response
    status = getattr(response, "status_code", None)
    if status == 429:
        headers = getattr(response, "headers", {}) or {}
        return NotifyRateLimited(f"{method}: rate limited", retry_after=_retry_after(headers))
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, Mapping) else None
    code = error if isinstance(error, str) and error else f"http_{status}"
    return NotifyError(
        f"{method}: {code}",
        error=code,
        permanent=code in PERMANENT,
        content_rejected=code in CONTENT_REJECTED,
    )


def mark_metadata(marks: Sequence[str]) -> dict[str, Any]:
    return {"event_type": MARK_EVENT_TYPE, "event_payload": {"claims": list(marks)}}


def message_marks(message: Mapping[str, Any]) -> list[str]:
    """The marks a Slack message object carries in its metadata."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != MARK_EVENT_TYPE:
        return []
    payload = metadata.get("event_payload")
    claims = payload.get("claims") if isinstance(payload, Mapping) else None
    return [str(c) for c in claims] if isinstance(claims, list) else []


class SlackNotifier:
    """The Slack surface of the notifier port, over slack_sdk (never Bolt)."""

    surface = "slack"
    capabilities = Capabilities(threads=True, updates=True, findable=True)

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        metrics: Metrics | None = None,
        deadline: float = CALL_DEADLINE,
    ) -> None:
        self.client = client
        self._metrics = metrics
        self._deadline = deadline
        # One session for every response_url answer: a new one per answer costs
        # a connector, a cookie jar and a TCP connection each time.
        self._hooks: aiohttp.ClientSession | None = None
        self._workspace: str | None = None

    async def aclose(self) -> None:
        if self._hooks is not None:
            await self._hooks.close()
            self._hooks = None

    # ------------------------------------------------------------ the port

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        args: dict[str, Any] = {"channel": destination, "unfurl_links": False}
        args["unfurl_media"] = False
        if thread is not None:
            args["thread_ts"] = thread
            if message.broadcast:
                args["reply_broadcast"] = True
        if marks:
            args["metadata"] = mark_metadata(marks)
        response = await self._with_fallback("chat.postMessage", render_slack(message), args)
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise NotifyError("chat.postMessage answered ok without a ts", error="invalid_response")
        return ts

    async def update(self, destination: str, ref: str, message: Message) -> None:
        args = {"channel": destination, "ts": ref}
        await self._with_fallback("chat.update", render_slack(message), args)

    async def find_marked(
        self, destination: str, mark: str, *, thread: str | None, oldest: datetime
    ) -> str | None:
        method = "conversations.history" if thread is None else "conversations.replies"
        args: dict[str, Any] = {
            "channel": destination,
            "oldest": f"{oldest.timestamp():.6f}",
            "include_all_metadata": "true",
            "limit": _HISTORY_PAGE_SIZE,
        }
        if thread is not None:
            args["ts"] = thread
        for _ in range(_HISTORY_PAGES):
            # POST with a form body: every Web API method accepts it.
            response = await self._call(method, data=args)
            for found in response.get("messages") or ():
                if isinstance(found, Mapping) and mark in message_marks(found):
                    ts = found.get("ts")
                    return ts if isinstance(ts, str) else None
            meta = response.get("response_metadata")
            cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
            if not cursor:
                return None
            args["cursor"] = cursor
        return None

    # ------------------------------------------------------------ interactive replies

    async def respond(
        self, response_url: str, message: Message, *, public: bool, replace_original: bool = False
    ) -> bool:
        """Answer through a ``response_url``; True when delivered (failures are logged).

        ``replace_original``: the answer takes the place of the message whose
        button was pressed (an ephemeral confirmation, say).
        """
        if self._hooks is None:
            self._hooks = aiohttp.ClientSession()
        hook = AsyncWebhookClient(
            response_url,
            timeout=SLACK_TIMEOUT,
            session=self._hooks,
            retry_handlers=_retry_handlers(rate_limits=True),
        )
        rendered = render_slack(message)
        response_type = "in_channel" if public else "ephemeral"
        replace = replace_original or None  # unset, not false: Slack's own default then
        try:
            sent = await hook.send(
                text=rendered.text,
                blocks=rendered.blocks,
                response_type=response_type,
                replace_original=replace,
            )
            if sent.status_code != 200 and sent.body in CONTENT_REJECTED:
                log.warning("response_url rejected the blocks (%s); sending text only", sent.body)
                sent = await hook.send(
                    text=rendered.text, response_type=response_type, replace_original=replace
                )
        except Exception as error:  # aiohttp and asyncio errors, no common base
            log.warning("response_url call failed: %r", error)
            self._count_error("response_url", type(error).__name__)
            return False
        if sent.status_code != 200:
            log.warning("response_url answered %s: %.200s", sent.status_code, sent.body)
            self._count_error("response_url", str(sent.status_code))
            return False
        return True

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        """Show ``message`` to ``user`` only."""
        args = {"channel": channel, "user": user}
        await self._with_fallback("chat.postEphemeral", render_slack(message), args)

    async def upload(self, channel: str, files: Sequence[File], *, thread: str | None) -> None:
        """Upload files to the channel, or into a thread of it."""
        for file in files:
            title = plain(file.title, FILE_TITLE)
            args: dict[str, Any] = {"channel": channel, "thread_ts": thread}
            args.update(content=file.data, filename=file.name, title=title, alt_txt=title)
            try:
                async with asyncio.timeout(self._deadline * 4):  # uploads are three calls
                    await self.client.files_upload_v2(**args)
            except SlackApiError as exc:
                raise self._failed("files.upload", slack_error("files.upload", exc)) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise self._failed("files.upload", _transport("files.upload", exc)) from exc

    # ------------------------------------------------------------ the App Home

    async def publish_home(self, user: str, message: Message) -> None:
        """Show ``message`` as ``user``'s Home tab (``views.publish``)."""
        await self._call("views.publish", json={"user_id": user, "view": render_home(message)})

    async def member_channels(self, user: str) -> frozenset[str]:
        """The channels ``user`` is in that the bot may know of: every public channel they
        joined, and the private ones the bot is in too (``users.conversations``)."""
        args: dict[str, Any] = {
            "user": user,
            "types": "public_channel,private_channel",
            "exclude_archived": "true",
            "limit": _MEMBER_PAGE_SIZE,
        }
        found: set[str] = set()
        for _ in range(_MEMBER_PAGES):
            response = await self._call("users.conversations", data=args)
            for channel in response.get("channels") or ():
                if isinstance(channel, Mapping) and isinstance(channel.get("id"), str):
                    found.add(channel["id"])
            meta = response.get("response_metadata")
            cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
            if not cursor:
                break
            args["cursor"] = cursor
        return frozenset(found)

    async def workspace_url(self) -> str | None:
        """``https://<workspace>.slack.com/`` (``auth.test``, asked once per process)."""
        if self._workspace is None:
            url = (await self._call("auth.test")).get("url")
            self._workspace = url if isinstance(url, str) else ""
        return self._workspace or None

    # ------------------------------------------------------------ internals

    async def _with_fallback(
        self, method: str, rendered: SlackMessage, args: dict[str, Any]
    ) -> Mapping[str, Any]:
        with_blocks = {**args, "text": rendered.text, "blocks": rendered.blocks}
        try:
            return await self._call(method, json=with_blocks)
        except NotifyError as exc:
            if not (exc.content_rejected and rendered.blocks):
                raise
            log.warning("%s: Slack rejected the blocks (%s); sending text only", method, exc.error)
            text_only = {**args, "text": rendered.text}
            if method == "chat.update":
                text_only["blocks"] = []  # clears the edited message's old blocks
            return await self._call(method, json=text_only)

    async def _call(self, method: str, **kwargs: Any) -> Mapping[str, Any]:
        try:
            async with asyncio.timeout(self._deadline):
                response = await self.client.api_call(method, **kwargs)
        except SlackApiError as exc:
            raise self._failed(method, slack_error(method, exc)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The request may or may not have reached Slack: callers treat a post
            # as possibly made (see find_marked).
            raise self._failed(method, _transport(method, exc)) from exc
        data = response.data
        if not isinstance(data, Mapping):
            raise NotifyError(f"{method}: body is not a JSON object", error="invalid_response")
        return data

    def _failed(self, method: str, error: NotifyError) -> NotifyError:
        if isinstance(error, NotifyRateLimited):
            if self._metrics is not None:
                self._metrics.slack_rate_limited.labels(method).inc()
        else:
            self._count_error(method, error.error)
        log.warning("%s failed: %s", method, error.error)
        return error

    def _count_error(self, method: str, code: str) -> None:
        if self._metrics is not None:
            self._metrics.slack_errors.labels(method, code).inc()


def _transport(method: str, exc: Exception) -> NotifyError:
    return NotifyError(f"{method}: {type(exc).__name__}", error="transport")


def _retry_after(headers: Mapping[str, Any]) -> float:
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0
