"""Getting a rendered reply to Slack, and what to do when Slack says no.

A message Slack rejects for its blocks is sent again as plain text, so the user
gets the answer rather than silence. Delivery failures are logged and counted,
never reported through Slack itself (that is how alert storms start).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.answers import ReplyFile
from bot.ops.metrics import Metrics
from bot.render import Message
from bot.text import plain

log = logging.getLogger("bot.slack")

SLACK_TIMEOUT = 10  # seconds, for every Slack Web API and response_url call
RATE_LIMIT_RETRIES = 3
FILE_TITLE = 250  # characters of a file's title
# Errors that mean "these blocks", not "this message": plain text will go through.
BLOCK_ERRORS = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long"}
)


def retry_handlers() -> list[AsyncConnectionErrorRetryHandler | AsyncRateLimitErrorRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def web_client(token: str, base_url: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url, timeout=SLACK_TIMEOUT)
    client.retry_handlers = list(retry_handlers())
    return client


def _count_error(metrics: Metrics | None, method: str, error: str) -> None:
    if metrics is not None:
        metrics.slack_errors.labels(method, error).inc()


async def respond(
    response_url: str,
    message: Message,
    *,
    public: bool,
    replace_original: bool = False,
    metrics: Metrics | None = None,
) -> bool:
    """Answer a slash command or button through its ``response_url``; True when delivered.

    ``replace_original``: the answer takes the place of the message whose button
    was pressed (an ephemeral confirmation, say), rather than coming after it.
    """
    hook = AsyncWebhookClient(
        response_url, timeout=SLACK_TIMEOUT, retry_handlers=list(retry_handlers())
    )
    response_type = "in_channel" if public else "ephemeral"
    replace = replace_original or None  # unset, not false: Slack's own default then applies
    try:
        sent = await hook.send(
            text=message.text,
            blocks=message.blocks,
            response_type=response_type,
            replace_original=replace,
        )
        if sent.status_code != 200 and sent.body in BLOCK_ERRORS:
            log.warning("response_url rejected the blocks (%s); sending text only", sent.body)
            sent = await hook.send(
                text=message.text, response_type=response_type, replace_original=replace
            )
    except Exception as error:  # aiohttp and asyncio errors, no common base
        log.warning("response_url call failed: %r", error)
        _count_error(metrics, "response_url", type(error).__name__)
        return False
    if sent.status_code != 200:
        log.warning("response_url answered %s: %.200s", sent.status_code, sent.body)
        _count_error(metrics, "response_url", str(sent.status_code))
        return False
    return True


async def post_in_thread(
    client: AsyncWebClient,
    channel: str,
    thread_ts: str,
    message: Message,
    *,
    metrics: Metrics | None = None,
) -> str | None:
    """Reply in a thread; the error code when Slack refused (``None`` when posted)."""
    return await post_message(client, channel, message, thread_ts=thread_ts, metrics=metrics)


async def post_message(
    client: AsyncWebClient,
    channel: str,
    message: Message,
    *,
    thread_ts: str | None = None,
    metrics: Metrics | None = None,
) -> str | None:
    """Post to the channel (or a thread of it); the error code when Slack refused."""

    async def post(**blocks: Any) -> None:
        await client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=message.text, **blocks
        )

    try:
        try:
            await post(blocks=message.blocks)
        except SlackApiError as error:
            if error.response.get("error") not in BLOCK_ERRORS:
                raise
            log.warning("Slack rejected the blocks (%s); sending text only", error.response)
            await post()
    except Exception as error:
        return _failed(metrics, "chat.postMessage", channel, error)
    return None


async def post_ephemeral(
    client: AsyncWebClient,
    channel: str,
    user: str,
    message: Message,
    *,
    metrics: Metrics | None = None,
) -> str | None:
    """Show ``message`` to ``user`` only; the error code when Slack refused."""
    try:
        await client.chat_postEphemeral(
            channel=channel, user=user, text=message.text, blocks=message.blocks
        )
    except Exception as error:
        return _failed(metrics, "chat.postEphemeral", channel, error)
    return None


async def upload_files(
    client: AsyncWebClient,
    channel: str,
    files: Sequence[ReplyFile],
    *,
    thread_ts: str | None = None,
    metrics: Metrics | None = None,
) -> str | None:
    """Upload the files to the channel (or into a thread); the error code when Slack refused."""
    for file in files:
        try:
            await client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                content=file.data,
                filename=file.name,
                title=plain(file.title, FILE_TITLE),
                alt_txt=plain(file.title, FILE_TITLE),
            )
        except Exception as error:
            return _failed(metrics, "files.upload", channel, error)
    return None


def _failed(metrics: Metrics | None, method: str, channel: str, error: Exception) -> str:
    """Log and count a failed Web API call; its error code."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or error.response.status_code)
        if error.response.status_code == 429 and metrics is not None:
            metrics.slack_rate_limited.labels(method).inc()
        log.warning("%s to %s failed: %s", method, channel, code)
    else:  # aiohttp and asyncio errors, no common base
        code = type(error).__name__
        log.warning("%s to %s failed: %r", method, channel, error)
    _count_error(metrics, method, code)
    return code
