"""parse() is total: any text gives a Command or a CommandError with something to say."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import Command, CommandError, find_console_urls
from tests.commands.grammar import HELP, parse

_WORDS = [entry.name for entry in HELP] + [
    "why", "session", "job", "attempt", "*", "sales_etl/daily", "4h", "0", "-1", "101", "12345",
    "99999999999999999999", "/td", "<@U123ABC>", "<!channel>", "<#C1|general>", "&lt;", "&amp;",
    "https://console.treasuredata.com/app/jobs/1", "<https://console.treasuredata.com/app/jobs/1|x>",
    "https://console.treasuredata.com/app/workflows/1/sessions/2/attempt/3", "http://[::1",
    "console.treasuredata.com/app/jobs/", "\u201c", "\u2019", '"', "'", "\x00", "\u202e", "\ud800",
    "\u3251", "１２", "ｊｏｂ", "`", "```", "\n", "\t", " ",
]  # fmt: skip
_commandish = st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=12)), max_size=8).map(
    " ".join
)


def _check(result: Command | CommandError) -> None:
    if isinstance(result, CommandError):
        assert result.message.strip() and result.usage.strip()
        assert result.usage.startswith("/td ")


@given(st.text())
def test_parse_never_raises_on_any_text(text: str) -> None:
    _check(parse(text))


@given(_commandish)
def test_parse_never_raises_on_command_like_text(text: str) -> None:
    _check(parse(text))
    _check(parse(text, console_base="http://127.0.0.1:8123"))


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters=":"), max_size=8))
def test_unknown_words_always_get_a_specific_message(word: str) -> None:
    result = parse(f"zz{word}zz")
    assert isinstance(result, CommandError)
    assert "unknown subcommand" in result.message or "too many" in result.message


@settings(max_examples=10, deadline=None)
@given(st.text(min_size=1, max_size=5), st.sampled_from(["job", "jobs", "mute", "help", ""]))
def test_huge_input_is_refused_quickly(chunk: str, word: str) -> None:
    text = f"{word} " + chunk * (100_000 // len(chunk))
    started = time.perf_counter()
    _check(parse(text))
    assert time.perf_counter() - started < 1.0


def test_text_that_expands_under_normalisation_is_handled() -> None:
    # U+3251 is "21" after NFKC: 4000 of them would overflow int() if unchecked.
    result = parse("job " + "\u3251" * 3990)
    assert isinstance(result, CommandError) and "is not a job id" in result.message


@given(st.text(max_size=2000))
def test_find_console_urls_never_raises(text: str) -> None:
    for link in find_console_urls(text):
        assert link.kind in ("job", "session", "attempt") and link.object_id


def test_find_console_urls_is_fast_on_huge_text() -> None:
    text = "https://console.treasuredata.com/app/jobs/1 " * 2000 + "x" * 100_000
    started = time.perf_counter()
    assert len(find_console_urls(text)) == 1
    assert time.perf_counter() - started < 2.0
