"""Starting the bot does not import the charting stack (~40 MB the alert loop never needs),
nor the sandbox or the demo console."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "numpy", "PIL")


def _printed(*lines: str, timeout: float = 60) -> str:
    """What a fresh interpreter running ``lines`` prints (its imports are its own)."""
    found = subprocess.run(
        [sys.executable, "-c", "\n".join(("import sys", *lines))],
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    )
    return found.stdout.strip()


def test_starting_the_bot_imports_no_charting_library() -> None:
    assert (
        _printed(
            "import bot.cli, bot.service, bot.console.runtime, bot.answers",
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))",
        )
        == "[]"
    )


def test_drawing_a_chart_does_import_it() -> None:
    """The check above can fail: a chart really pulls matplotlib in."""
    printed = _printed(
        "from datetime import UTC, datetime, timedelta",
        "from bot.charts import TimelineBar, render_timeline_png",
        "from bot.td.models import TaskState",
        "t = datetime(2026, 1, 1, tzinfo=UTC)",
        "render_timeline_png('t', [TimelineBar('+a', t, t + timedelta(minutes=1), "
        "TaskState.SUCCESS, False)])",
        "print('matplotlib' in sys.modules)",
        timeout=120,
    )
    assert printed == "True"


def test_serving_imports_neither_the_sandbox_nor_the_demo_console() -> None:
    """`tdbot serve` (bot.service) needs no simulated TD account and no local console:
    their corpus and modules would only add to the alert loop's memory."""
    printed = _printed(
        "import bot.cli, bot.service",
        "print(sorted(m for m in sys.modules if m.startswith(('bot.sandbox', 'bot.console'))))",
    )
    assert printed == "[]"
