"""Following an attempt to its end, for the thread.

TD carries out a kill later than it accepts it: the attempt stays ``canceling``
until its tasks notice (a ``td>`` task polls every 1-30 s). So the kill answer
says "requested", and ``follow_attempt`` polls until the attempt is done, within
a bounded time, for the Slack layer to post how it ended.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

from bot.actions.prompts import session_time_text
from bot.td import TDClient, errors
from bot.td.models import Attempt
from bot.text import safe

log = logging.getLogger("bot.actions")

FOLLOW_INTERVAL = 5.0  # seconds between reads: a td> task notices within 30 s
FOLLOW_TIMEOUT = 15 * 60.0  # a task stuck in an operator can ignore the flag for long
_NAME_LIMIT = 200

Sleep = Callable[[float], Awaitable[None]]


async def follow_attempt(
    td: TDClient,
    attempt_id: str,
    *,
    interval: float = FOLLOW_INTERVAL,
    give_up_after: float = FOLLOW_TIMEOUT,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Attempt:
    """The attempt once TD reports it done, or as last read when ``give_up_after`` passes
    first (then ``done`` is False). A failed read is tried again at the next
    interval; the error is raised only if no read succeeded by then."""
    if not (math.isfinite(interval) and interval > 0):
        raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
    if not (math.isfinite(give_up_after) and give_up_after >= 0):
        raise ValueError(f"give_up_after must be a finite number >= 0, got {give_up_after!r}")
    deadline = clock() + give_up_after
    last: Attempt | None = None
    while True:
        failure: errors.TDError | None = None
        try:
            last = await td.attempt(attempt_id)
        except errors.TDError as exc:
            failure = exc
            log.info("following attempt %s: read failed (%s)", attempt_id, exc)
        over = clock() >= deadline
        if last is not None and (last.done or over):
            return last
        if over and failure is not None:
            raise failure
        await sleep(max(min(interval, deadline - clock()), 0.0))


def describe_attempt(attempt: Attempt) -> str:
    """``project/workflow, session 2024-06-01 02:00 +09:00`` as mrkdwn (TD names made safe)."""
    name = safe(f"{attempt.project.name}/{attempt.workflow.name}", _NAME_LIMIT)
    return f"{name}, session {session_time_text(attempt.session_time)}"


def end_message(attempt: Attempt) -> str:
    """One mrkdwn line for the thread: how the followed attempt ended, or that it has not."""
    status = safe(attempt.status.value, 40)
    about = f"attempt {attempt.id} ({describe_attempt(attempt)})"
    if not attempt.done:
        return f"{about} is still {status}; TD has not finished canceling it."
    return f"{about} ended: {status}."
