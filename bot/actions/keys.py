"""Action keys: one key per intent, so repeats of the same intent collapse in the store.

A button's key is its message and its target: two clicks of the same button
(or Slack re-delivering one click) are one action. A slash command's key is the
user, the command's canonical text and a short time window: typing the same
command twice in a row is one action, typing it again later is a new one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from bot.commands import Kill, KillJob, Retry, RunBackfill, command_text

COMMAND_WINDOW = timedelta(seconds=60)
_MAX_KEY = 200  # the store's column holds 255; room for the retry suffix


def action_key_for_button(
    *, channel_id: str, message_ts: str, action_id: str, target_id: str
) -> str:
    return _bounded(f"button:{channel_id}:{message_ts}:{action_id}:{target_id}")


def action_key_for_command(
    *,
    user_id: str,
    command: Retry | Kill | KillJob | RunBackfill,
    now: datetime,
    window: timedelta = COMMAND_WINDOW,
) -> str:
    """Same user, same command, same window -> same key.

    The window is a fixed slot of the epoch, so two identical commands a second
    apart that straddle a slot boundary get two keys. That is safe: a retry is
    then refused as superseded (or TD answers 409 on the retry name), and a kill
    of something already killed is a no-op.
    """
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    if now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
    slot = int(now.timestamp() // window.total_seconds())
    # command_text is canonical: "retry 123" whether typed as an id or a console URL.
    return _bounded(f"command:{user_id}:{command_text(command)}:{slot}")


def _bounded(key: str) -> str:
    if len(key) <= _MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
