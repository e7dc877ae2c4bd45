"""Message -> a Home tab view (``views.publish``), within Slack's view limits.

A view holds at most 100 blocks (slack_sdk's ``View`` checks it). The board's
presenter keeps within that; should a message still hold more sections than
fit, the last ones give way to a line saying how many were left out, and the
header, the footnote and the buttons stay.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.message import Message
from bot.render.slack import Blocks, field_sections, header_block, section_block, tail_blocks

VIEW_BLOCKS = 100


def render_home(message: Message) -> dict[str, Any]:
    """The ``view`` argument of ``views.publish``: ``{"type": "home", "blocks": [...]}``."""
    head = [header_block(message), *field_sections(message.fields)]
    body: Blocks = [section_block(s) for s in message.sections if s.strip()]
    tail = tail_blocks(message, 0)
    room = VIEW_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        left_out = len(body) - room + 1
        body = [*body[: room - 1], section_block(f"_{left_out} more lines did not fit here._")]
    view: dict[str, Any] = View(type="home", blocks=[*head, *body, *tail]).to_dict()
    return view
