from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import cut, escape_mrkdwn


def test_text_that_fits_is_unchanged() -> None:
    assert cut("abc", 3) == "abc"
    assert cut("", 0) == ""


def test_keeps_head_and_tail_and_says_how_much_was_dropped() -> None:
    text = "HEAD" + "x" * 1000 + "TAIL"
    result = cut(text, 60)
    assert len(result) <= 60
    assert result.startswith("HEAD") and result.endswith("TAIL")
    dropped = int(re.search(r"\[(\d+) characters cut\]", result)[1])  # type: ignore[index]
    assert len(result) - len(f" … [{dropped} characters cut] … ") + dropped == len(text)


def test_custom_marker() -> None:
    assert cut("0123456789", 7, marker="<{dropped}>") == "01<6>89"


def test_never_splits_an_entity() -> None:
    escaped = escape_mrkdwn("<" * 100)
    for limit in range(0, 120):
        result = cut(escaped, limit)
        assert len(result) <= limit
        body = re.sub(r" … \[\d+ characters cut\] … |…$", "|", result)
        for piece in body.split("|"):
            assert re.fullmatch(r"(?:&lt;)*", piece), (limit, result)


def test_never_splits_a_surrogate_pair() -> None:
    text = "\ud83d\ude00" * 50  # a pair stored as two code points
    for limit in range(0, 60):
        result = cut(text, limit, marker="|")
        for piece in result.rstrip("…").split("|"):
            assert len(piece) % 2 == 0 and piece == "\ud83d\ude00" * (len(piece) // 2)


def test_tiny_limits_keep_the_head_with_an_ellipsis() -> None:
    assert cut("abcdefghij", 4) == "abc…"
    assert cut("abcdefghij", 1) == "…"
    assert cut("abcdefghij", 0) == ""


@pytest.mark.parametrize("limit", [-1, 1.5, True, "10"])
def test_limit_is_validated(limit: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        cut("abc", limit)  # type: ignore[arg-type]


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_cut_fits_keeps_head_and_is_idempotent(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert len(result) <= limit
    assert cut(result, limit) == result
    if len(text) <= limit:
        assert result == text
    elif limit >= 40:
        head, _, tail = result.partition(" … [")
        assert text.startswith(head) and len(head) >= 1
        assert text.endswith(tail.split("] … ", 1)[1])
