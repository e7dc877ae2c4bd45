from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.text import code_block, escape_mrkdwn, inline_code, strip_control
from bot.text.escape import ZWJ


def test_escape_mrkdwn_replaces_the_three_special_characters() -> None:
    assert escape_mrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d"


def test_escape_mrkdwn_defuses_every_mention_form() -> None:
    text = "<!channel> <!here> <!subteam^S123|@team> <@U123ABC> <#C123|general> <https://x|y>"
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.startswith("&lt;!channel&gt;")


def test_escape_mrkdwn_breaks_bare_broadcast_words_with_a_zero_width_joiner() -> None:
    escaped = escape_mrkdwn("ping @channel, @Here and @EVERYONE but not @bob")
    assert escaped == f"ping @{ZWJ}channel, @{ZWJ}Here and @{ZWJ}EVERYONE but not @bob"
    assert not re.search(r"@(channel|here|everyone)", escaped, re.IGNORECASE)


def test_escaping_twice_escapes_the_entity_text_itself() -> None:
    # Untrusted text that contains `&amp;` must show `&amp;`, not `&`.
    assert escape_mrkdwn("&amp;") == "&amp;amp;"


def test_strip_control_keeps_newline_and_tab_and_normalises_cr() -> None:
    assert strip_control("a\x00b\x07c\td\r\ne\rf\x1b[31mg\x7f\x85") == "abc\td\ne\nf[31mg"


def test_strip_control_drops_bidi_overrides() -> None:
    assert strip_control("abc\u202edcba\u2066x\u2069") == "abcdcbax"


def test_strip_control_repairs_surrogates() -> None:
    assert strip_control("\ud83d\ude00") == "\U0001f600"  # a pair stored as two code points
    assert strip_control("a\ud800b") == "a\ufffdb"


def test_code_block_cannot_be_closed_by_the_text() -> None:
    block = code_block("before ``` after `` end`")
    assert block.startswith("```") and block.endswith("```")
    inner = block[3:-3]
    assert "``" not in inner
    assert not inner.startswith("`") and not inner.endswith("`")


def test_code_block_escapes_and_masks() -> None:
    block = code_block("<!channel> password=hunter2")
    assert "<" not in block and "hunter2" not in block
    assert "&lt;!channel&gt;" in block


def test_inline_code_has_no_backtick_or_newline_inside() -> None:
    span = inline_code("a`b\nc <@U1>")
    assert span[0] == span[-1] == "`"
    assert "`" not in span[1:-1] and "\n" not in span
    assert "&lt;@U1&gt;" in span


@given(st.text())
def test_code_block_inner_text_never_has_adjacent_backticks(text: str) -> None:
    inner = code_block(text)[3:-3]
    assert "``" not in inner and not inner.startswith("`") and not inner.endswith("`")


@given(st.text())
def test_strip_control_leaves_no_control_characters(text: str) -> None:
    stripped = strip_control(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e]", stripped)
