"""The Home tab: on ``app_home_opened`` the person's board is read and published.

One open costs three store queries (open alerts, scopes, the last poll) and one
Slack call (``views.publish``), plus ``users.conversations`` when the person's
channels are not cached (``MemberCache``, a minute) and ``auth.test`` once per
process; TD's reachability is the cached answer of ``/healthz``'s check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.board import BoardReader, MemberCache
from bot.notify import NotifyError, SlackNotifier
from bot.present.home import home_message, home_unavailable
from bot.slack.deps import SlackDeps
from bot.store import Clock, Store, wall_clock

log = logging.getLogger("bot.slack")


@dataclass(frozen=True)
class HomeSource:
    """What the board is read from besides Slack: the store and the poller's state."""

    store: Store
    poll_failing: Callable[[], bool] = field(default=lambda: False)
    poll_max_age: float | None = None  # seconds: an older last poll is shown as stale
    clock: Clock = wall_clock


def home_reader(
    source: HomeSource, notifier: SlackNotifier, td_reachable: Callable[[], Awaitable[bool]]
) -> BoardReader:
    return BoardReader(
        source.store,
        MemberCache(notifier.member_channels),
        td_reachable=td_reachable,
        poll_failing=source.poll_failing,
        workspace_url=notifier.workspace_url,
        poll_max_age=source.poll_max_age,
        clock=source.clock,
    )


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_home_opened(event: dict[str, Any]) -> None:
        user = event.get("user")
        # The Messages tab sends the same event; only the Home tab shows a board.
        if deps.home is None or event.get("tab") != "home" or not isinstance(user, str):
            return
        deps.tasks.spawn(publish_board(deps.home, deps.notifier, user), name=f"td-home-{user}")

    app.event("app_home_opened")(on_home_opened)


async def publish_board(reader: BoardReader, notifier: SlackNotifier, user: str) -> None:
    try:
        try:
            message = home_message(await reader.read(user))
        except NotifyError as error:  # users.conversations refused: say so on the tab
            message = home_unavailable(_why(error.error))
        await notifier.publish_home(user, message)
    except NotifyError:
        return  # logged and counted by the notifier; the tab keeps its last board
    except Exception:
        log.exception("the Home board of %s could not be published", user)


def _why(error: str) -> str:
    if error == "missing_scope":
        return (
            "tdbot may not list your channels yet (the channels:read and groups:read scopes "
            "are missing): ask a workspace admin to reinstall the app from manifest.yml."
        )
    return f"Slack did not say which channels you are in ({error})."
