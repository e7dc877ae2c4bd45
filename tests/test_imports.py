"""Starting the bot does not import the charting stack (~40 MB the alert loop never needs)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "numpy", "PIL")


def test_starting_the_bot_imports_no_charting_library() -> None:
    script = (
        "import sys\n"
        "import bot.cli, bot.service, bot.console.runtime, bot.answers\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"


def test_drawing_a_chart_does_import_it() -> None:
    """The check above can fail: a chart really pulls matplotlib in."""
    script = (
        "import sys\n"
        "from datetime import UTC, datetime, timedelta\n"
        "from bot.charts import TimelineBar, render_timeline_png\n"
        "from bot.td.models import TaskState\n"
        "t = datetime(2026, 1, 1, tzinfo=UTC)\n"
        "render_timeline_png('t', [TimelineBar('+a', t, t + timedelta(minutes=1), "
        "TaskState.SUCCESS, False)])\n"
        "print('matplotlib' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.strip() == "True"


def test_serving_imports_neither_the_sandbox_nor_the_demo_console() -> None:
    """`tdbot serve` (bot.service) needs no simulated TD account and no local console:
    their corpus and modules would only add to the alert loop's memory."""
    script = (
        "import sys\n"
        "import bot.cli, bot.service\n"
        "print(sorted(m for m in sys.modules if m.startswith(('bot.sandbox', 'bot.console'))))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"
