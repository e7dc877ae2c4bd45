"""TD's failures during an action, as one clear sentence (mrkdwn) for the person acting.

A failed *read* changed nothing. A failed *write* may have reached TD when no
answer came back (timeout, 5xx, unreadable body): the message says so, because
the next step (look, then try again) differs from "nothing happened".
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.td import errors
from bot.text import safe

_TD_MESSAGE_LIMIT = 500


@dataclass(frozen=True)
class Failure:
    message: str  # mrkdwn
    uncertain: bool  # the write may have happened


def describe_failure(error: errors.TDError, *, doing: str, wrote: bool) -> Failure:
    """``doing`` is our own words, e.g. ``retrying attempt 123``."""
    unchanged = " Nothing was changed."
    if isinstance(error, errors.Unauthorized):
        return Failure(
            f"TD rejected tdbot's API key (401) while {doing}: ask the bot's operators to "
            f"check TD_API_KEY.{unchanged}",
            False,
        )
    if isinstance(error, errors.Forbidden):
        return Failure(
            f"TD refused permission (403) while {doing}: tdbot's API key may not do this."
            f"{unchanged}",
            False,
        )
    if isinstance(error, errors.RateLimited):
        wait = f"{error.retry_after:.0f} s" if error.retry_after else "a minute"
        return Failure(
            f"TD is rate-limiting tdbot (429) while {doing}; try again in {wait}.{unchanged}",
            False,
        )
    if isinstance(error, errors.NotFound):
        told = safe(error.message, _TD_MESSAGE_LIMIT).rstrip(".") or "not found"
        return Failure(f"TD found nothing (404) while {doing}: {told}.{unchanged}", False)
    if isinstance(error, errors.BadRequest | errors.Conflict):
        told = safe(error.message, _TD_MESSAGE_LIMIT) or f"HTTP {error.status}"
        return Failure(f"TD refused {doing} ({error.status}): {told}", False)
    cause = f"HTTP {error.status}" if error.status is not None else "no answer"
    if isinstance(error, errors.InvalidResponse):
        cause = f"an unreadable answer, {cause}"
    if wrote:
        return Failure(
            f"TD did not confirm {doing} ({cause}): it may or may not have happened. "
            "Check the attempt or job in TD before trying again.",
            True,
        )
    return Failure(
        f"TD did not answer while {doing} ({cause}); try again in a minute.{unchanged}", False
    )
