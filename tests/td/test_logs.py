"""decode_log: gzip members, size bound, lenient UTF-8 (pure)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from bot.td._logs import decode_log


def test_plain_text_passes_through() -> None:
    assert decode_log(b"already plain\n") == "already plain\n"


def test_every_gzip_member_is_read() -> None:
    data = gzip.compress(b"first\n") + gzip.compress(b"second\n")
    assert decode_log(data) == "first\nsecond\n"


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert decode_log(gzip.compress(b"ok \xff\xfe end")) == "ok \ufffd\ufffd end"


def test_output_is_bounded() -> None:
    bomb = gzip.compress(b"a" * 1_000_000)
    text = decode_log(bomb, limit=1000)
    assert text.startswith("a" * 1000)
    assert text.endswith("[log cut at 1000 bytes]\n")
    assert len(text) < 1100


def test_truncated_stream_is_an_error() -> None:
    with pytest.raises(zlib.error):
        decode_log(gzip.compress(b"x" * 10_000)[:-12])
