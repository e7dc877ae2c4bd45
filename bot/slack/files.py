"""A reply's files (the timeline chart) go up next to its message, into the same thread.

A slash command's answer goes through ``response_url``, which cannot carry a
file, so the file is uploaded to the channel; an @-mention's or a button's goes
into the thread. When Slack refuses the upload the user is told why.
"""

from __future__ import annotations

from bot.answers import Reply, mrkdwn
from bot.slack import delivery
from bot.slack.deps import SlackDeps

# Slack cannot put a file where the bot is not a member.
_NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


async def share(
    deps: SlackDeps, channel: str, reply: Reply, *, thread_ts: str | None
) -> Reply | None:
    """Upload ``reply.files``; None when they are up, else a reply that says why not."""
    if not reply.files:
        return None
    refused = await delivery.upload_files(
        deps.client, channel, reply.files, thread_ts=thread_ts, metrics=deps.metrics
    )
    return None if refused is None else not_uploaded(refused)


def not_uploaded(error: str) -> Reply:
    hint = (
        " Invite tdbot to this channel (`/invite @tdbot`), or ask in a channel it is in."
        if error in _NOT_A_MEMBER
        else " Try again in a minute."
    )
    detail = f"Slack refused the upload ({mrkdwn.code(error, 60)}).{hint}"
    return Reply(
        title="The chart could not be uploaded",
        text=f"The chart could not be uploaded: Slack said {error}.",
        emoji=":warning:",
        sections=(detail,),
        private=True,
    )
