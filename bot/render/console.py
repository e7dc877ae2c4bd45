"""The same blocks as terminal text, for the local console of ``tdbot demo``.

Only the block types ``render`` produces are understood; anything else is shown
as its type name so a new block type is visible rather than silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

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


def _code_aware(text: str) -> str:
    lines: list[str] = []
    in_code = False
    for piece in text.split("```"):
        if in_code:
            lines.extend("    " + line for line in _unescape(piece).strip("\n").splitlines())
        elif piece.strip():
            lines.append(mrkdwn_to_text(piece).strip("\n"))
        in_code = not in_code
    return "\n".join(lines)


def _block_lines(block: dict[str, Any]) -> Iterable[str]:
    kind = block.get("type")
    if kind == "header":
        title = block["text"]["text"]
        yield title
        yield "=" * min(len(title), 80)
    elif kind == "section":
        if "text" in block:
            yield _code_aware(block["text"]["text"])
        for field in block.get("fields", []):
            label, _, value = field["text"].partition("\n")
            yield f"{mrkdwn_to_text(label.strip('*'))}: {mrkdwn_to_text(value)}"
    elif kind == "context":
        for element in block.get("elements", []):
            yield "  " + mrkdwn_to_text(element.get("text", ""))
    elif kind == "actions":
        buttons = []
        for element in block.get("elements", []):
            label = element["text"]["text"]
            url = element.get("url")
            buttons.append(f"[{label}]({url})" if url else f"[{label}]")
        yield " ".join(buttons)
    elif kind == "divider":
        yield "-" * 40
    else:
        yield f"<{kind} block>"


def render_text(blocks: Iterable[dict[str, Any]]) -> str:
    return "\n".join(line for block in blocks for line in _block_lines(block))
