"""Message -> Slack Block Kit plus its plain-text fallback, within Slack's limits.

The message is built in priority order (header, fields, sections, evidence,
context, buttons). When it does not fit, sections are dropped from the end
until the evidence fits too, and a footnote says how much was left out, so a
reply is shortened rather than rejected with ``invalid_blocks`` or
``msg_blocks_too_long``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.message import Button, Evidence, Field, Link, Message
from bot.message import mrkdwn as md
from bot.render import limits
from bot.text import code_block, cut, fallback_text, plain, safe

Blocks = list[dict[str, Any]]
# Characters a section needs around an evidence excerpt: label line and JSON framing.
_EVIDENCE_FRAME = 120
_NOTE_RESERVE = 200


@dataclass(frozen=True)
class SlackMessage:
    """What goes to ``chat.postMessage`` / ``response_url``: ``text`` is always set."""

    text: str
    blocks: Blocks


def render(reply: Message) -> SlackMessage:
    header = header_block(reply)
    sections = (section_block(s) for s in reply.sections if s.strip())
    body = [*field_sections(reply.fields), *sections]
    left_out = 0
    while True:
        fixed = [header, *body, *tail_blocks(reply, left_out)]
        # Room is kept for the footnote block that says what was left out.
        room_blocks = limits.MAX_BLOCKS - len(fixed) - 1
        room_chars = limits.TOTAL_CHARS - _size(fixed) - _NOTE_RESERVE
        evidence = _evidence(reply.evidence, chars=room_chars, blocks=room_blocks)
        complete = len(evidence) == len(reply.evidence)
        if not body or (room_blocks >= 0 and room_chars >= 0 and complete):
            break
        body.pop()
        left_out += 1
    left_out += len(reply.evidence) - len(evidence)
    blocks = [header, *body, *evidence, *tail_blocks(reply, left_out)]
    text = fallback_text(reply.text.strip() or reply.title, limits.FALLBACK_TEXT)
    return SlackMessage(text=text or "tdbot", blocks=blocks)


def _size(blocks: Iterable[dict[str, Any]]) -> int:
    """Characters of the blocks as sent (JSON, so a newline counts twice)."""
    return len(json.dumps(list(blocks), ensure_ascii=False))


def _dict(block: Block) -> dict[str, Any]:
    # to_dict() runs slack_sdk's validators, so a limit missed here fails loudly.
    return block.to_dict()


def header_block(reply: Message) -> dict[str, Any]:
    emoji = f"{reply.emoji} " if reply.emoji else ""
    if not reply.header:
        # A thread reply: the title leads in bold, as a reply in a thread reads.
        title = safe(" ".join(reply.title.split()), limits.SECTION_TEXT // 2)
        return section_block(f"*{emoji}{title}*")
    title = plain(" ".join(reply.title.split()), limits.HEADER_TEXT - len(emoji)) or "tdbot"
    return _dict(HeaderBlock(text=PlainTextObject(text=emoji + title, emoji=True)))


def field_sections(fields: Sequence[Field]) -> list[dict[str, Any]]:
    step = limits.FIELDS_PER_SECTION
    return [
        _dict(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=cut(f"*{f.label}*\n{f.value}", limits.FIELD_TEXT))
                    for f in fields[i : i + step]
                ]
            )
        )
        for i in range(0, len(fields), step)
    ]


def section_block(mrkdwn: str) -> dict[str, Any]:
    return _dict(SectionBlock(text=MarkdownTextObject(text=cut(mrkdwn, limits.SECTION_TEXT))))


def _evidence(items: Sequence[Evidence], *, chars: int, blocks: int) -> Blocks:
    """As many excerpts as fit, each within an equal share of the room left."""
    for count in range(min(len(items), max(blocks, 0)), 0, -1):
        share = min(chars // count, limits.SECTION_TEXT)
        if share - _EVIDENCE_FRAME >= limits.MIN_EVIDENCE:
            return [_evidence_block(item, share) for item in items[:count]]
    return []


def _evidence_block(item: Evidence, share: int) -> dict[str, Any]:
    """The excerpt, cut until its serialised block takes at most ``share`` characters."""
    # A backtick in the label (task names are TD text) would open a code span.
    label = safe(item.label.replace("`", "\u02cb"), 200)
    limit = share - _EVIDENCE_FRAME
    while True:
        block = section_block(f"*{label}*\n{code_block(item.text, limit - len(label) - 3)}")
        over = _size([block]) + 2 - share  # 2: the separator between blocks
        if over <= 0 or limit <= limits.MIN_EVIDENCE:
            return block
        limit = max(limit - over, limits.MIN_EVIDENCE)


def tail_blocks(reply: Message, left_out: int) -> Blocks:
    notes = list(reply.context)
    if left_out:
        notes.append(f"_{left_out} more part(s) did not fit in one Slack message._")
    blocks: Blocks = []
    if notes:
        elements = [
            MarkdownTextObject(text=cut(n, limits.CONTEXT_TEXT))
            for n in notes[-limits.CONTEXT_ELEMENTS :]
        ]
        blocks.append(_dict(ContextBlock(elements=elements)))
    buttons = [*_link_buttons(reply.links), *(_button(b) for b in reply.buttons)]
    if buttons:
        blocks.append(_dict(ActionsBlock(elements=buttons[: limits.ACTION_ELEMENTS])))
    return blocks


def _link_buttons(links: Sequence[Link]) -> list[ButtonElement]:
    # Link buttons still send block_actions; bot/slack/actions.py acks "tdbot.link.*".
    return [
        ButtonElement(
            text=PlainTextObject(text=plain(link.label, limits.BUTTON_TEXT), emoji=False),
            url=link.url,
            action_id=f"tdbot.link.{i}",
        )
        for i, link in enumerate(links)
        if len(link.url) <= limits.BUTTON_URL
    ]


def _button(button: Button) -> ButtonElement:
    """A button as Block Kit, its texts cut to Slack's limits (the value masked them)."""
    confirm = None
    if (dialog := button.confirm) is not None:
        confirm = ConfirmObject(
            title=plain(dialog.title, limits.CONFIRM_TITLE),
            text=PlainTextObject(text=plain(dialog.text, limits.CONFIRM_TEXT)),
            confirm=plain(dialog.confirm, limits.CONFIRM_BUTTON),
            deny=plain(dialog.deny, limits.CONFIRM_BUTTON),
        )
    if len(button.value) > limits.BUTTON_VALUE:
        raise ValueError(f"{button.action_id} payload is longer than {limits.BUTTON_VALUE}")
    return ButtonElement(
        text=PlainTextObject(text=plain(button.label, limits.BUTTON_TEXT), emoji=True),
        action_id=button.action_id,
        value=button.value,
        style=button.style,
        confirm=confirm,
    )


def visible_chars(blocks: Blocks) -> int:
    """What a reader sees of rendered blocks: their text, link and button labels, not URLs."""
    texts: list[str] = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", ())]
        texts += [e["text"] for e in block.get("elements", ()) if e.get("type") != "button"]
        texts += [e["text"]["text"] for e in block.get("elements", ()) if e.get("type") == "button"]
    return sum(md.visible(t) for t in texts)
