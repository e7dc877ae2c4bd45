"""Message -> terminal lines: markers gone, entities undone, buttons listed, TD text inert."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import bot
from bot.message import Button, Evidence, Field, Link, Message
from bot.render import TerminalStyle, render_console

PLAIN = TerminalStyle(ansi=False, width=60)
ANSI = TerminalStyle(ansi=True, width=60)
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def body(style: TerminalStyle = PLAIN, **parts: Any) -> list[str]:
    """The lines after the header (one line on a terminal, two with its underline in plain)."""
    lines = render_console(Message(title="T", text="T", **parts), style)
    return lines[1:] if style.ansi else lines[2:]


def test_header_is_bold_only_on_a_terminal() -> None:
    message = Message(title="Job 7 failed", text="t", emoji=":x:")
    assert render_console(message, ANSI) == [f"{BOLD}❌ Job 7 failed{RESET}"]
    plain = render_console(message, PLAIN)
    assert plain == ["❌ Job 7 failed", "─" * len("❌ Job 7 failed")]


def test_a_thread_reply_leads_with_its_title_and_no_underline() -> None:
    message = Message(title="p/wf attempt #2 failed too", text="t", emoji=":x:", header=False)
    assert render_console(message, PLAIN) == ["❌ p/wf attempt #2 failed too"]


def test_emphasis_and_code_markers_are_removed() -> None:
    text = "*Failing task* `+wf+load_daily_x` _since_ ~old~ and `SELECT * FROM t`"
    assert body(sections=(text,)) == ["Failing task +wf+load_daily_x since old and SELECT * FROM t"]


def test_bold_around_a_code_span_and_underscores_in_names_survive() -> None:
    text = ":x: *`+presto_missing_column+aggregate`* `td>` in my_table_name"
    assert body(sections=(text,)) == ["❌ +presto_missing_column+aggregate td> in my_table_name"]
    assert body(ANSI, sections=(text,))[0].startswith(
        f"❌ {BOLD}+presto_missing_column+aggregate{RESET}"
    )


def test_entities_are_undone_for_display_and_links_spelled_out() -> None:
    text = (
        "a &lt;b&gt; &amp; c <https://x.test/a?b=1&amp;c=2|the run> "
        "<!date^1717000000^{date}|2024-05-29>"
    )
    [line] = body(TerminalStyle(width=200), sections=(text,))
    assert line == "a <b> & c the run (https://x.test/a?b=1&c=2) 2024-05-29"


def test_code_blocks_keep_their_lines_and_are_not_wrapped() -> None:
    long_line = "x" * 90
    text = f"*Error*\n```line &lt;1&gt;\n  indented *not bold*\n{long_line}```after"
    assert body(sections=(text,)) == [
        "Error",
        "    line <1>",
        "      indented *not bold*",
        "    " + long_line,
        "after",
    ]


def test_prose_is_wrapped_to_the_width_with_bullets_aligned() -> None:
    words = " ".join(["word"] * 30)
    lines = body(TerminalStyle(width=40), sections=(f"• {words}",))
    assert len(lines) > 2
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("• word")
    assert all(line.startswith("  word") for line in lines[1:])


def test_fields_read_label_colon_value() -> None:
    fields = (Field("Status", ":x: error"), Field("TD job", "<http://h/app/jobs/9|9>"))
    assert body(fields=fields) == ["Status: ❌ error", "TD job: 9 (http://h/app/jobs/9)"]
    assert body(ANSI, fields=fields)[0] == f"{BOLD}Status{RESET}: ❌ error"


def test_links_are_spelled_out_and_buttons_listed() -> None:
    lines = body(
        links=(Link("Open", "http://h/x"),),
        buttons=(Button("a", "Diagnose", "{}"), Button("b", "Retry failed tasks", "{}")),
    )
    assert lines == ["Open: http://h/x", "[Diagnose] [Retry failed tasks]"]


def test_context_is_dim_on_a_terminal_even_around_bold() -> None:
    assert body(context=("*Next:* retry",)) == ["  Next: retry"]
    [line] = body(ANSI, context=("*Next:* retry",))
    assert line == f"  {DIM}{BOLD}Next:{RESET}{DIM} retry{RESET}"


def test_a_message_reads_as_text_with_hostile_text_shown_inert() -> None:
    message = Message(
        title="Job 7: presto error",
        text="TD job 7 failed",
        emoji=":x:",
        fields=(Field("Status", "error"),),
        sections=("*Query*",),
        evidence=(Evidence("stderr", "<!channel> SELECT * FROM t -- a*b*c"),),
        links=(Link("Open in TD console", "https://console.treasuredata.com/app/jobs/7"),),
        buttons=(Button("tdbot.diagnose", "Diagnose", '{"job_id":"7"}'),),
        context=("_a note_",),
    )
    lines = render_console(message, TerminalStyle(width=100))
    assert lines[0] == "❌ Job 7: presto error"
    assert "Status: error" in lines
    assert "Query" in lines
    assert "stderr" in lines
    # Slack gets it escaped; the terminal shows what TD sent, which cannot ping anyone here.
    assert "    <!channel> SELECT * FROM t -- a*b*c" in lines
    assert "Open in TD console: https://console.treasuredata.com/app/jobs/7" in lines
    assert "[Diagnose]" in lines
    assert "  a note" in lines


def test_a_huge_excerpt_is_cut_for_the_terminal() -> None:
    lines = body(evidence=(Evidence("log", "line\n" * 10_000),))
    assert len(lines) < 1000


def test_every_emoji_code_tdbot_writes_shows_as_an_emoji_in_the_console() -> None:
    # A code missing from the table prints raw (":gear: Running now"), so the console
    # shows one kind's emoji and not another's: read every code the bot's own modules write.
    written = {
        code
        for path in Path(bot.__file__).parent.rglob("*.py")
        if "sandbox" not in path.parts
        for literal in re.findall(r'"[^"\n]*"', path.read_text(encoding="utf-8"))
        for code in re.findall(r"(?<![\w:]):[a-z0-9_+\-]+:(?![\w:])", literal)
    }
    assert ":stopwatch:" in written  # the scan reads what it should
    missing = sorted(c for c in written if render_console(Message("t", "t", c), PLAIN)[0][0] == ":")
    assert missing == []
