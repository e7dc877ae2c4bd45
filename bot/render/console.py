"""Message -> terminal lines: what a Slack client would show, readable in a shell.

The renderer of the console surface (``tdbot demo``), over the same neutral
``Message`` the Slack renderer takes: the header in bold, fields as
``Label: value``, paragraphs wrapped to the width, evidence as indented code,
footnotes dimmed, buttons as ``[Label]`` and links as ``label: url``. Slack's
mrkdwn is undone for display (links spelled out, entities and emphasis
removed, the emoji codes tdbot uses shown as characters).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from bot.message import Message
from bot.text import cut, strip_control

_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>|]+)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_ZERO_WIDTH = str.maketrans(dict.fromkeys([0x200B, 0x200D]))


def _links(match: re.Match[str]) -> str:
    url, label, bare = match.groups()
    if not url:
        return str(bare)
    # <!date^...|fallback> and other <!...> tokens: the fallback is the readable part.
    return str(label) if url.startswith("!") else f"{label} ({url})"


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text.translate(_ZERO_WIDTH)


def mrkdwn_to_text(mrkdwn: str) -> str:
    """Slack mrkdwn as a terminal would show it: links spelled out, entities undone."""
    return _unescape(_LINK.sub(_links, mrkdwn))


# A terminal has no message limit, but a whole task log would bury the answer.
EVIDENCE_CHARS = 4000

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"

# The codes tdbot's own messages use; any other :code: is left as written.
EMOJI = {
    ":alarm_clock:": "⏰",
    ":arrow_forward:": "▶️",
    ":arrows_counterclockwise:": "🔄",
    ":bar_chart:": "📊",
    ":bell:": "🔔",
    ":boom:": "💥",
    ":bust_in_silhouette:": "👤",
    ":busts_in_silhouette:": "👥",
    ":calendar:": "📆",
    ":card_index_dividers:": "🗂️",
    ":clipboard:": "📋",
    ":cloud:": "☁️",
    ":construction:": "🚧",
    ":double_vertical_bar:": "⏸️",
    ":eyes:": "👀",
    ":gear:": "⚙️",
    ":grey_question:": "❔",
    ":hourglass:": "⌛",
    ":hourglass_flowing_sand:": "⏳",
    ":information_source:": "ℹ️",
    ":left_right_arrow:": "↔️",
    ":leftwards_arrow_with_hook:": "↩️",
    ":lock:": "🔒",
    ":mag:": "🔍",
    ":memory:": "📝",
    ":no_bell:": "🔕",
    ":no_entry:": "⛔",
    ":no_entry_sign:": "🚫",
    ":repeat:": "🔁",
    ":rewind:": "⏪",
    ":rotating_light:": "🚨",
    ":stethoscope:": "🩺",
    ":stopwatch:": "⏱️",
    ":thinking_face:": "🤔",
    ":warning:": "⚠️",
    ":wastebasket:": "🗑️",
    ":wave:": "👋",
    ":white_check_mark:": "✅",
    ":wrench:": "🔧",
    ":x:": "❌",
    ":zzz:": "💤",
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


def render_console(message: Message, style: TerminalStyle) -> list[str]:
    """The whole message as lines, in the order Slack shows its blocks."""
    return list(_lines(message, style))


def _lines(message: Message, style: TerminalStyle) -> Iterator[str]:
    title = emoji(" ".join(strip_control(message.title).split()))
    lead = f"{emoji(message.emoji)} " if message.emoji else ""
    if message.header:
        yield style.bold(lead + title)
        if not style.ansi:
            yield "─" * min(len(lead + title), style.width)
    else:
        yield from wrap(style.bold(lead + title), style.width)
    for field in message.fields:
        yield from wrap(f"{style.bold(field.label)}: {inline(field.value, style)}", style.width)
    for section in message.sections:
        yield from _mrkdwn_lines(section, style)
    for item in message.evidence:
        yield style.bold(strip_control(item.label))
        excerpt = cut(strip_control(item.text).strip("\n"), EVIDENCE_CHARS)
        yield from ("    " + line for line in excerpt.split("\n"))
    for note in message.context:
        for line in wrap(inline(note, style), style.width - 2):
            yield "  " + style.dim(line)
    for link in message.links:
        yield f"{strip_control(link.label)}: {link.url}"
    if message.buttons:
        labels = " ".join(f"[{emoji(strip_control(b.label))}]" for b in message.buttons)
        yield from wrap(labels, style.width)
