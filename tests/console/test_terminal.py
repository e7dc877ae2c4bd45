"""Block Kit dicts as terminal text: markers gone, entities undone, buttons listed."""

from __future__ import annotations

from typing import Any

from bot.answers.reply import Evidence, Field, Link, Reply
from bot.buttons import Action, ActionId
from bot.console.terminal import TerminalStyle, render_blocks, render_message
from bot.render import render

PLAIN = TerminalStyle(ansi=False, width=60)
ANSI = TerminalStyle(ansi=True, width=60)
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_header_is_bold_only_on_a_terminal() -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": ":x: Job 7 failed"}}
    assert render_blocks([header], ANSI) == [f"{BOLD}❌ Job 7 failed{RESET}"]
    plain = render_blocks([header], PLAIN)
    assert plain[0] == "❌ Job 7 failed"
    assert "\x1b" not in "".join(plain)


def test_emphasis_and_code_markers_are_removed() -> None:
    text = "*Failing task* `+wf+load_daily_x` _since_ ~old~ and `SELECT * FROM t`"
    assert render_blocks([section(text)], PLAIN) == [
        "Failing task +wf+load_daily_x since old and SELECT * FROM t"
    ]


def test_bold_around_a_code_span_and_underscores_in_names_survive() -> None:
    text = ":x: *`+presto_missing_column+aggregate`* `td>` in my_table_name"
    assert render_blocks([section(text)], PLAIN) == [
        "❌ +presto_missing_column+aggregate td> in my_table_name"
    ]
    assert render_blocks([section(text)], ANSI)[0].startswith(
        f"❌ {BOLD}+presto_missing_column+aggregate{RESET}"
    )


def test_entities_are_undone_for_display_and_links_spelled_out() -> None:
    text = (
        "a &lt;b&gt; &amp; c <https://x.test/a?b=1&amp;c=2|the run> "
        "<!date^1717000000^{date}|2024-05-29>"
    )
    [line] = render_blocks([section(text)], TerminalStyle(width=200))
    assert line == "a <b> & c the run (https://x.test/a?b=1&c=2) 2024-05-29"


def test_code_blocks_keep_their_lines_and_are_not_wrapped() -> None:
    long_line = "x" * 90
    text = f"*Error*\n```line &lt;1&gt;\n  indented *not bold*\n{long_line}```after"
    assert render_blocks([section(text)], PLAIN) == [
        "Error",
        "    line <1>",
        "      indented *not bold*",
        "    " + long_line,
        "after",
    ]


def test_prose_is_wrapped_to_the_width_with_bullets_aligned() -> None:
    words = " ".join(["word"] * 30)
    lines = render_blocks([section(f"• {words}")], TerminalStyle(width=40))
    assert len(lines) > 2
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("• word")
    assert all(line.startswith("  word") for line in lines[1:])


def test_fields_read_label_colon_value() -> None:
    block = {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Status*\n:x: error"},
            {"type": "mrkdwn", "text": "*TD job*\n<http://h/app/jobs/9|9>"},
        ],
    }
    assert render_blocks([block], PLAIN) == ["Status: ❌ error", "TD job: 9 (http://h/app/jobs/9)"]
    assert render_blocks([block], ANSI)[0] == f"{BOLD}Status{RESET}: ❌ error"


def test_buttons_are_listed_and_link_buttons_spelled_out() -> None:
    block = {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "http://h/x"},
            {"type": "button", "text": {"type": "plain_text", "text": "Diagnose"}, "value": "{}"},
            {"type": "button", "text": {"type": "plain_text", "text": "Retry failed tasks"}},
        ],
    }
    assert render_blocks([block], PLAIN) == ["Open: http://h/x", "[Diagnose] [Retry failed tasks]"]


def test_context_is_dim_on_a_terminal_even_around_bold() -> None:
    block = {"type": "context", "elements": [{"type": "mrkdwn", "text": "*Next:* retry"}]}
    assert render_blocks([block], PLAIN) == ["  Next: retry"]
    [line] = render_blocks([block], ANSI)
    assert line == f"  {DIM}{BOLD}Next:{RESET}{DIM} retry{RESET}"


def test_unknown_blocks_are_named_and_empty_messages_show_their_text() -> None:
    assert render_blocks([{"type": "video"}, {"type": "divider"}], PLAIN) == [
        "[video block]",
        "─" * 40,
    ]
    assert render_message("*fallback* &lt;x&gt;", [], PLAIN) == ["fallback <x>"]


def test_a_rendered_reply_reads_as_text_with_hostile_text_shown_inert() -> None:
    reply = Reply(
        title="Job 7: presto error",
        text="TD job 7 failed",
        emoji=":x:",
        fields=(Field("Status", "error"),),
        sections=("*Query*",),
        evidence=(Evidence("stderr", "<!channel> SELECT * FROM t -- a*b*c"),),
        links=(Link("Open in TD console", "https://console.treasuredata.com/app/jobs/7"),),
        actions=(Action(ActionId.DIAGNOSE, "Diagnose", {"job_id": "7"}),),
        context=("_a note_",),
    )
    lines = render_blocks(render(reply).blocks, TerminalStyle(width=100))
    assert lines[0] == "❌ Job 7: presto error"
    assert "Status: error" in lines
    assert "Query" in lines
    assert "stderr" in lines
    # Slack gets it escaped; the terminal shows what TD sent, which cannot ping anyone here.
    assert any(line.strip().startswith("<!channel> SELECT * FROM t -- a*b*c") for line in lines)
    assert "Open in TD console: https://console.treasuredata.com/app/jobs/7" in lines
    assert "[Diagnose]" in lines
    assert "  a note" in lines
