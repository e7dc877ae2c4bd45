"""A message's files (the timeline chart) go up next to it, into the same thread.

A slash command's answer goes through ``response_url``, which cannot carry a
file, so the file is uploaded to the channel; an @-mention's or a button's goes
into the thread. When Slack refuses the upload the user is told why.
"""

from __future__ import annotations

from bot.message import Message
from bot.notify import NotifyError
from bot.present.problems import not_uploaded
from bot.slack.deps import SlackDeps


async def share(
    deps: SlackDeps, channel: str, message: Message, *, thread_ts: str | None
) -> Message | None:
    """Upload ``message.files``; None when they are up, else a message that says why not."""
    if not message.files:
        return None
    try:
        await deps.notifier.upload(channel, message.files, thread=thread_ts)
    except NotifyError as error:
        return not_uploaded(error.error)
    return None
