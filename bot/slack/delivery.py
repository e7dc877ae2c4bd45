"""Getting a rendered reply to Slack, and what to do when Slack says no.

A message Slack rejects for its blocks is sent again as plain text, so the user
gets the answer rather than silence. Delivery failures are logged and counted,
never reported through Slack itself (that is how alert storms start).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.ops.metrics import Metrics
from bot.render import Message

log = logging.getLogger("bot.slack")

SLACK_TIMEOUT = 10  # seconds, for every Slack Web API and response_url call
RATE_LIMIT_RETRIES = 3
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
    response_url: str, message: Message, *, public: bool, metrics: Metrics | None = None
) -> bool:
    """Answer a slash command or button through its ``response_url``; True when delivered."""
    hook = AsyncWebhookClient(
        response_url, timeout=SLACK_TIMEOUT, retry_handlers=list(retry_handlers())
    )
    response_type = "in_channel" if public else "ephemeral"
    try:
        sent = await hook.send(
            text=message.text, blocks=message.blocks, response_type=response_type
        )
        if sent.status_code != 200 and sent.body in BLOCK_ERRORS:
            log.warning("response_url rejected the blocks (%s); sending text only", sent.body)
            sent = await hook.send(text=message.text, response_type=response_type)
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
    try:
        try:
            await client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            if error.response.get("error") not in BLOCK_ERRORS:
                raise
            log.warning("Slack rejected the blocks (%s); sending text only", error.response)
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message.text)
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        log.warning("chat.postMessage to %s failed: %s", channel, code)
        _count_error(metrics, "chat.postMessage", code)
        return code
    except Exception as error:  # aiohttp and asyncio errors, no common base
        log.warning("chat.postMessage to %s failed: %r", channel, error)
        _count_error(metrics, "chat.postMessage", type(error).__name__)
        return type(error).__name__
    return None
