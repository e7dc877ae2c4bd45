"""Message -> Block Kit: limits hold for any size of input, and TD text stays inert."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.message import Button, Confirm, Evidence, Field, Link, Message
from bot.render import limits, render_slack
from bot.text import safe

HOSTILE = "<!channel> <@U123> *bold* `tick` ```fence``` & password=hunter2"


def _texts(blocks: list[dict[str, object]]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def _assert_within_limits(blocks: list[dict[str, object]]) -> None:
    assert len(blocks) <= limits.MAX_BLOCKS
    assert len(json.dumps(blocks, ensure_ascii=False)) <= limits.TOTAL_CHARS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= limits.HEADER_TEXT  # type: ignore[index]
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= limits.SECTION_TEXT  # type: ignore[index]
            assert len(block.get("fields", [])) <= limits.FIELDS_PER_SECTION  # type: ignore[arg-type]


def test_a_small_reply_keeps_every_part_in_order() -> None:
    reply = Message(
        title="Job 7: presto error",
        text="TD job 7 failed",
        emoji=":x:",
        fields=(Field("Type", "presto"), Field("Status", "error")),
        sections=("first", "second"),
        evidence=(Evidence("stderr", "Query failed: line 3:1"),),
        links=(Link("Open", "https://console.treasuredata.com/app/jobs/7"),),
        buttons=(Button("tdbot.diagnose", "Diagnose", '{"job_id":"7"}'),),
        context=("a note",),
    )
    message = render_slack(reply)
    assert [b["type"] for b in message.blocks] == [
        "header",
        "section",
        "section",
        "section",
        "section",
        "context",
        "actions",
    ]
    assert message.blocks[0]["text"]["text"] == ":x: Job 7: presto error"
    assert message.blocks[1]["fields"][0]["text"] == "*Type*\npresto"
    assert message.blocks[4]["text"]["text"].endswith("```Query failed: line 3:1```")
    link, diagnose = message.blocks[6]["elements"]
    assert link["url"] == "https://console.treasuredata.com/app/jobs/7"
    assert link["action_id"] == "tdbot.link.0"
    assert diagnose["action_id"] == "tdbot.diagnose"
    assert json.loads(diagnose["value"]) == {"job_id": "7"}
    assert message.text == "TD job 7 failed"


def test_hostile_text_is_escaped_in_blocks_and_fallback() -> None:
    reply = Message(
        title=HOSTILE,
        text=HOSTILE,
        sections=(safe(HOSTILE, 500),),
        evidence=(Evidence(HOSTILE, HOSTILE),),
    )
    message = render_slack(reply)
    mrkdwn = [t for t in _texts(message.blocks)[1:]]
    assert all("<!channel>" not in t and "<@U123>" not in t for t in mrkdwn)
    assert all("hunter2" not in t for t in _texts(message.blocks))
    assert "&lt;!channel&gt;" in message.text and "hunter2" not in message.text
    # The evidence fence is not closed early by the ``` inside the text.
    evidence = message.blocks[-1]["text"]["text"]
    assert evidence.count("```") == 2


def test_confirm_dialog_and_style_on_action_buttons() -> None:
    reply = Message(
        title="t",
        text="t",
        buttons=(
            Button(
                "tdbot.kill",
                "Kill",
                '{"attempt_id":"9"}',
                style="danger",
                confirm=Confirm("Kill", "Kill 9?"),
            ),
        ),
    )
    [button] = render_slack(reply).blocks[-1]["elements"]
    assert button["style"] == "danger"
    assert button["confirm"]["text"]["text"] == "Kill 9?"


def test_duplicate_action_ids_are_a_programming_error() -> None:
    button = Button("tdbot.diagnose", "Diagnose", '{"attempt_id":"1"}')
    with pytest.raises(ValueError, match="unique"):
        Message(title="t", text="t", buttons=(button, button))


def test_many_fields_are_split_ten_per_section() -> None:
    reply = Message(title="t", text="t", fields=tuple(Field(f"f{i}", "v") for i in range(23)))
    sections = [b for b in render_slack(reply).blocks if b["type"] == "section"]
    assert [len(s["fields"]) for s in sections] == [10, 10, 3]


def test_huge_reply_is_shortened_and_says_so() -> None:
    reply = Message(
        title="x" * 500,
        text="y" * 100_000,
        fields=tuple(Field(f"f{i}", "v" * 3000) for i in range(40)),
        sections=tuple("s" * 5000 for _ in range(80)),
        evidence=tuple(Evidence(f"e{i}", "line\n" * 5000) for i in range(6)),
        links=tuple(Link(f"l{i}", f"https://example.com/{i}") for i in range(30)),
        context=("note",),
    )
    message = render_slack(reply)
    _assert_within_limits(message.blocks)
    assert len(message.text) <= limits.FALLBACK_TEXT
    assert "did not fit in one Slack message" in json.dumps(message.blocks)
    # Evidence wins over trailing sections: at least one excerpt survives.
    assert any("```" in t for t in _texts(message.blocks))


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=400),
    sections=st.lists(st.text(max_size=4000), max_size=60),
    evidence=st.lists(st.text(max_size=9000), max_size=8),
    n_fields=st.integers(0, 30),
)
def test_any_message_renders_within_limits(
    title: str, sections: list[str], evidence: list[str], n_fields: int
) -> None:
    reply = Message(
        title=title,
        text=title * 50,
        fields=tuple(Field(f"f{i}", safe(title, 3000)) for i in range(n_fields)),
        sections=tuple(safe(s, 5000) for s in sections),
        evidence=tuple(Evidence("e", e) for e in evidence),
    )
    message = render_slack(reply)  # to_dict() inside runs slack_sdk's own validators
    _assert_within_limits(message.blocks)
    assert message.text or not title
