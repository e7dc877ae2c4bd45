"""What Slack sends to a bot's HTTP endpoint: signed slash commands, events and clicks.

Bodies are built as bytes and signed over exactly those bytes, as Slack does.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID

_ids = itertools.count(1)


def signed_headers(
    secret: str, body: bytes, content_type: str, *, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def slash_command(
    text: str, response_url: str, *, user: str = "U0USER0001", channel: str = "C0CHAN0001"
) -> bytes:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "data-ops",
            "user_id": user,
            "user_name": "someone",
            "command": "/td",
            "text": text,
            "api_app_id": "A0FAKE0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.fake.trigger",
        }
    ).encode()


def app_mention(
    text: str,
    *,
    event_id: str | None = None,
    user: str = "U0USER0001",
    channel: str = "C0CHAN0001",
    thread_ts: str | None = None,
) -> bytes:
    n = next(_ids)
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": f"1700001000.{n:06d}",
        "channel": channel,
        "event_ts": f"1700001000.{n:06d}",
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return _event_callback(event, event_id or f"Ev{n:08d}")


def app_home_opened(user: str, *, tab: str = "home", event_id: str | None = None) -> bytes:
    """The event Slack sends when ``user`` opens the app's Home (or Messages) tab."""
    n = next(_ids)
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D0HOME{n:04d}",
        "tab": tab,
        "event_ts": f"1700002000.{n:06d}",
    }
    return _event_callback(event, event_id or f"Ev{n:08d}")


def _event_callback(event: dict[str, Any], event_id: str) -> bytes:
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0FAKE0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700001000,
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "enterprise_id": None}
            ],
        }
    ).encode()


def block_action(
    action_id: str,
    value: str,
    *,
    response_url: str,
    channel: str = "C0CHAN0001",
    message_ts: str = "1700000000.000001",
    user: str = "U0USER0001",
) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0FAKE0001",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{next(_ids)}.fake.trigger",
        "channel": {"id": channel, "name": "data-ops"},
        "message": {"type": "message", "ts": message_ts, "text": "alert", "user": BOT_USER_ID},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000000",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
