"""A Message as a Home view: Slack's view limits are kept, never exceeded."""

from __future__ import annotations

from bot.message import Message
from bot.render import render_home


def test_a_message_with_more_sections_than_fit_says_how_many_were_left_out() -> None:
    message = Message(
        title="Board", text="board", sections=tuple(f"line {i}" for i in range(150)),
        context=("footnote",),
    )  # fmt: skip
    view = render_home(message)
    blocks = view["blocks"]
    assert view["type"] == "home" and len(blocks) == 100
    assert blocks[0]["type"] == "header" and blocks[-1]["type"] == "context"
    assert blocks[-3]["text"]["text"] == "line 96"
    assert blocks[-2]["text"]["text"] == "_53 more lines did not fit here._"


def test_a_short_message_is_shown_whole() -> None:
    view = render_home(Message(title="Board", text="board", sections=("a", "b")))
    assert [b["type"] for b in view["blocks"]] == ["header", "section", "section"]
