"""The console's command table: the answers layer's, with files saved instead of uploaded.

Slack gets a reply's files (the timeline chart) uploaded next to the message;
the console writes them to the demo's directory and shows where.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.actions import ActionService
from bot.alerts import SubscriptionService
from bot.answers import HANDLERS, Handler, Reply, RequestContext, Services, mrkdwn
from bot.answers.admin import ActionAnswers
from bot.answers.subscriptions import SubscriptionAnswers


class ConsoleCommands:
    def __init__(
        self, subscriptions: SubscriptionService, actions: ActionService, files: Path
    ) -> None:
        self._subscriptions = subscriptions
        self._actions = actions
        self._files = files

    def handlers(self) -> dict[type[Any], Handler]:
        table = {
            **HANDLERS,
            **SubscriptionAnswers(self._subscriptions).handlers(),
            **ActionAnswers(self._actions).handlers(),
        }
        return {kind: self._saving_files(handler) for kind, handler in table.items()}

    def _saving_files(self, handler: Handler) -> Handler:
        async def answer(command: Any, ctx: RequestContext, services: Services) -> Reply:
            return self._save_files(await handler(command, ctx, services))

        return answer

    def _save_files(self, reply: Reply) -> Reply:
        """Write the reply's files to disk; the reply says where instead of carrying them."""
        if not reply.files:
            return reply
        paths = []
        for file in reply.files:
            path = self._files / Path(file.name).name  # a name, never a path from elsewhere
            path.write_bytes(file.data)
            paths.append(path)
        return replace(
            reply,
            files=(),
            text=f"{reply.text}; saved to {', '.join(map(str, paths))}",
            sections=(
                *reply.sections,
                "In Slack it is uploaded next to this answer; here it is saved to:",
                *(mrkdwn.code(str(path), 1000) for path in paths),
            ),
        )
