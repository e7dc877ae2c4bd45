"""One renderer per surface, each over the neutral ``bot.message.Message``.

``render_slack`` (Block Kit + text fallback within Slack's limits) and
``render_console`` (terminal lines for ``tdbot demo``), ``render_home`` (a Home tab view).
"""

from bot.render.console import TerminalStyle, render_console
from bot.render.home import render_home
from bot.render.slack import SlackMessage, visible_chars
from bot.render.slack import render as render_slack

__all__ = [
    "SlackMessage",
    "TerminalStyle",
    "render_console",
    "render_home",
    "render_slack",
    "visible_chars",
]
