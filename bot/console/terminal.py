"""Block Kit dicts -> terminal text: what a Slack client shows, readable in a shell.

``bot.render.console.mrkdwn_to_text`` spells out links and undoes Slack's
entities; this adds what a terminal needs on top of it: emphasis and code
markers removed (bold in ANSI when the output is a terminal), paragraphs
wrapped to the width, the Slack emoji codes tdbot uses shown as characters,
buttons as ``[Label]`` and link buttons as ``label: url``.

The entities are undone only here, for display: the blocks themselves stay
exactly what Slack is sent.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.render.console import mrkdwn_to_text

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"

# The codes tdbot's own messages use; any other :code: is left as written.
EMOJI = {
    ":arrows_counterclockwise:": "🔄",
    ":bar_chart:": "📊",
    ":bell:": "🔔",
    ":boom:": "💥",
    ":card_index_dividers:": "🗂️",
    ":clipboard:": "📋",
    ":cloud:": "☁️",
    ":construction:": "🚧",
    ":grey_question:": "❔",
    ":hourglass:": "⌛",
    ":hourglass_flowing_sand:": "⏳",
    ":information_source:": "ℹ️",
    ":leftwards_arrow_with_hook:": "↩️",
    ":lock:": "🔒",
    ":mag:": "🔍",
    ":memory:": "📝",
    ":no_bell:": "🔕",
    ":no_entry:": "⛔",
    ":no_entry_sign:": "🚫",
    ":repeat:": "🔁",
    ":stethoscope:": "🩺",
    ":thinking_face:": "🤔",
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":wrench:": "🔧",
    ":x:": "❌",
}
_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]+:")
_FENCE = "```"
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
# NUL cannot occur in message text (bot.text strips control characters), so it
# safely marks where a code span was taken out while emphasis is removed.
_SLOT = re.compile(r"\x00(\d+)\x00")
_EMPHASIS = {
    "bold": re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"),
    "italic": re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"),
    "strike": re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"),
}
_BULLET = re.compile(r"^(\s*(?:[•\-*]|\d+\.)\s+)")


@dataclass(frozen=True)
class TerminalStyle:
    ansi: bool = False  # bold and dim escape codes: only when writing to a terminal
    width: int = 100

    def bold(self, text: str) -> str:
        return self._styled(_BOLD, text)

    def dim(self, text: str) -> str:
        return self._styled(_DIM, text)

    def _styled(self, code: str, text: str) -> str:
        if not (self.ansi and text):
            return text
        # A reset inside (bold within dim text) would end the outer style too early.
        return code + text.replace(_RESET, _RESET + code) + _RESET


def emoji(text: str) -> str:
    return _EMOJI_CODE.sub(lambda m: EMOJI.get(m[0], m[0]), text)


def inline(mrkdwn: str, style: TerminalStyle) -> str:
    """One piece of mrkdwn (no code fences) as display text."""
    spans: list[str] = []

    def take(match: re.Match[str]) -> str:
        spans.append(mrkdwn_to_text(match[1]))
        return f"\x00{len(spans) - 1}\x00"

    text = mrkdwn_to_text(emoji(_INLINE_CODE.sub(take, mrkdwn)))
    text = _EMPHASIS["bold"].sub(lambda m: style.bold(m[1]), text)
    for kind in ("italic", "strike"):
        text = _EMPHASIS[kind].sub(lambda m: m[1], text)
    return _SLOT.sub(lambda m: spans[int(m[1])], text)


def wrap(text: str, width: int) -> list[str]:
    """Each line wrapped on its own; a bullet's continuation lines align with its text."""
    lines: list[str] = []
    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        indent = " " * len(bullet[1]) if bullet else ""
        lines.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [""]
        )
    return lines


def _mrkdwn_lines(mrkdwn: str, style: TerminalStyle) -> Iterator[str]:
    """Prose wrapped; code blocks indented and kept as they are."""
    for i, piece in enumerate(mrkdwn.split(_FENCE)):
        if i % 2:
            for line in mrkdwn_to_text(piece).strip("\n").split("\n"):
                yield "    " + line
        elif piece.strip("\n"):
            yield from wrap(inline(piece.strip("\n"), style), style.width)


def _text_of(obj: Mapping[str, Any] | None) -> str:
    return str(obj.get("text", "")) if obj else ""


def _section(block: Mapping[str, Any], style: TerminalStyle) -> Iterator[str]:
    if "text" in block:
        yield from _mrkdwn_lines(_text_of(block["text"]), style)
    for field in block.get("fields", []):
        label, _, value = _text_of(field).partition("\n")
        # The label is mrkdwn too (``*Label*``), so it comes out bold on a terminal.
        line = f"{inline(label, style)}: {inline(value, style)}" if value else inline(label, style)
        yield from wrap(line, style.width)


def _actions(block: Mapping[str, Any], style: TerminalStyle) -> Iterator[str]:
    buttons: list[str] = []
    for element in block.get("elements", []):
        label = emoji(_text_of(element.get("text")))
        url = element.get("url")
        if url:
            yield f"{label}: {url}"
        else:
            buttons.append(f"[{label}]")
    if buttons:
        yield from wrap(" ".join(buttons), style.width)


def _context(block: Mapping[str, Any], style: TerminalStyle) -> Iterator[str]:
    for element in block.get("elements", []):
        if element.get("type") == "image":
            text = f"[image: {element.get('alt_text', '')}]"
        else:
            text = inline(_text_of(element), style)
        for line in wrap(text, style.width - 2):
            yield "  " + style.dim(line)


def block_lines(block: Mapping[str, Any], style: TerminalStyle) -> Iterator[str]:
    kind = block.get("type")
    if kind == "header":
        title = emoji(_text_of(block.get("text")))
        yield style.bold(title)
        if not style.ansi:
            yield "─" * min(len(title), style.width)
    elif kind == "section":
        yield from _section(block, style)
    elif kind == "context":
        yield from _context(block, style)
    elif kind == "actions":
        yield from _actions(block, style)
    elif kind == "divider":
        yield "─" * min(40, style.width)
    elif kind == "image":
        yield f"[image: {block.get('alt_text', '')}] {block.get('image_url', '')}".rstrip()
    else:
        # A block type this view does not know is shown by name, not silently lost.
        yield f"[{kind} block]"


def render_blocks(blocks: Iterable[Mapping[str, Any]], style: TerminalStyle) -> list[str]:
    return [line for block in blocks for line in block_lines(block, style)]


def render_message(
    text: str, blocks: Iterable[Mapping[str, Any]], style: TerminalStyle
) -> list[str]:
    """A message as Slack would show it: its blocks, or its text when it has none."""
    lines = render_blocks(blocks, style)
    return lines if lines else list(_mrkdwn_lines(text, style))
