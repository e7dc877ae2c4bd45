"""Reply -> Slack message (Block Kit + text fallback) and the console's text view of it."""

from bot.render.blocks import Message, render
from bot.render.console import render_text

__all__ = ["Message", "render", "render_text"]
