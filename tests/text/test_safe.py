from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.text import code_block, fallback_text, inline_code, plain, safe

_FORBIDDEN = ("<!", "<@", "<#", "<http")
_BROADCAST = re.compile(r"@(channel|here|everyone)", re.IGNORECASE)
_TRICKS = st.sampled_from(
    ["<!channel>", "<!here|here>", "<!subteam^S1|@ops>", "<@U123ABC>", "<#C1|general>",
     "<https://evil.example|click>", "@channel", "@here", "@everyone", "&lt;!channel&gt;",
     "```", "`", "&", "&amp;", "\x00", "\u202e", "\r\n", "\ud83d", "\ud83d\ude00", "*bold*"]
)  # fmt: skip
_hostile = st.lists(st.one_of(st.text(max_size=30), _TRICKS), max_size=30).map("".join)


def _assert_inert(text: str) -> None:
    for forbidden in _FORBIDDEN:
        assert forbidden not in text
    assert "<" not in text and ">" not in text
    assert not _BROADCAST.search(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\u202a-\u202e]", text)


@given(_hostile, st.integers(min_value=0, max_value=400))
def test_safe_is_inert_and_within_limit(text: str, limit: int) -> None:
    result = safe(text, limit)
    assert len(result) <= limit
    _assert_inert(result)


@given(_hostile, st.integers(min_value=7, max_value=400))
def test_safe_code_is_a_closed_block_within_limit(text: str, limit: int) -> None:
    result = safe(text, limit, code=True)
    assert len(result) <= limit
    assert result.startswith("```") and result.endswith("```")
    inner = result[3:-3]
    assert "``" not in inner and not inner.startswith("`") and not inner.endswith("`")
    _assert_inert(result)


@given(_hostile, st.integers(min_value=3, max_value=200))
def test_inline_code_is_one_closed_span(text: str, limit: int) -> None:
    result = inline_code(text, limit)
    assert len(result) <= limit
    assert result[0] == result[-1] == "`" and "`" not in result[1:-1] and "\n" not in result
    _assert_inert(result)


@given(_hostile, st.integers(min_value=0, max_value=400))
def test_plain_and_fallback_stay_within_limit(text: str, limit: int) -> None:
    assert len(plain(text, limit)) <= limit
    fallback = fallback_text(text, limit)
    assert len(fallback) <= limit
    _assert_inert(fallback)


@given(_hostile, st.integers(min_value=0, max_value=200))
def test_safe_never_leaves_half_an_entity(text: str, limit: int) -> None:
    result = safe(text, limit)
    # Every `&` the escaper wrote starts a whole entity; none was cut short.
    assert all(
        result.startswith(("&amp;", "&lt;", "&gt;"), m.start()) for m in re.finditer("&", result)
    )


def test_safe_keeps_head_and_tail_of_a_long_log() -> None:
    log = "Traceback (most recent call last):\n" + "  frame\n" * 2000 + "ValueError: boom <x>"
    result = safe(log, 300)
    assert len(result) <= 300
    assert result.startswith("Traceback") and result.endswith("ValueError: boom &lt;x&gt;")
    assert "characters cut" in result


def test_huge_input_is_fast_and_bounded() -> None:
    huge = "<!channel> password=hunter2 " * 20_000
    result = safe(huge, 3000, code=True)
    assert len(result) <= 3000 and "hunter2" not in result


def test_safe_masks_before_control_characters_could_hide_a_secret() -> None:
    assert "hunter2" not in safe("pass\x00word=hunter2", 100)


def test_extra_secret_values_reach_every_entry_point() -> None:
    secret = "Sup3r-Secret-Value"
    text = f"connecting with {secret} <ok>"
    for render in (safe, plain, fallback_text):
        assert secret not in render(text, 200, extra_secret_values=[secret])
    assert secret not in code_block(text, extra_secret_values=[secret])
    assert secret not in inline_code(text, extra_secret_values=[secret])


def test_plain_does_not_escape() -> None:
    assert plain("a < b & c", 50) == "a < b & c"


@pytest.mark.parametrize(("render", "limit"), [(code_block, 6), (inline_code, 2)])
def test_code_limits_too_small_for_the_fences_are_refused(render: object, limit: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        render("x", limit)  # type: ignore[operator]


_secret = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=10, max_size=30)


@given(st.text(max_size=100), _secret, st.text(max_size=100), st.integers(0, 300))
def test_planted_password_never_reaches_the_message(
    before: str, secret: str, after: str, limit: int
) -> None:
    assume(secret not in before + "\0" + after)
    text = f"{before} password={secret} {after}"
    assert secret not in safe(text, limit)
    assert secret not in plain(text, limit)
