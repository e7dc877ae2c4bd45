"""A Gantt chart of an attempt's tasks: where the time went and what failed.

matplotlib runs with the Agg backend (no display), and the figure's height
follows the number of tasks so a 3-task and a 60-task attempt both stay legible.
matplotlib (with numpy and PIL) is imported only when a chart is drawn: it costs
~40 MB, which the alert loop and a bot nobody asks for a chart never need.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.td.models import Task, TaskState

MAX_BARS = 60  # beyond this a chart is unreadable in Slack's preview

_COLOURS = {
    TaskState.SUCCESS: "#2eb67d",
    TaskState.ERROR: "#e01e5a",
    TaskState.GROUP_ERROR: "#f2a2b8",
    TaskState.CANCELED: "#9e9ea6",
    TaskState.RUNNING: "#36c5f0",
}
_DEFAULT_COLOUR = "#ecb22e"


@dataclass(frozen=True)
class TimelineBar:
    label: str
    start: datetime
    end: datetime
    state: TaskState
    is_group: bool


def timeline_bars(tasks: Sequence[Task], now: datetime) -> list[TimelineBar]:
    """Tasks that started, in start order; a still-running task ends at ``now``."""
    bars = []
    for task in tasks:
        if task.started_at is None:
            continue
        end = task.updated_at if task.state.done and task.updated_at else now
        end = max(end, task.started_at)
        bars.append(
            TimelineBar(
                label=task.full_name,
                start=task.started_at,
                end=end,
                state=task.state,
                is_group=task.is_group,
            )
        )
    bars.sort(key=lambda bar: (bar.start, bar.label))
    return bars[:MAX_BARS]


def render_timeline_png(title: str, bars: Sequence[TimelineBar]) -> bytes:
    import matplotlib  # here, not at the top: see the module docstring

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if not bars:
        raise ValueError("no task of this attempt has started yet: nothing to draw")
    height = 1.2 + 0.32 * len(bars)
    figure = Figure(figsize=(10, height), dpi=100)
    axes = figure.add_subplot()
    origin = min(bar.start for bar in bars)
    # Minutes since the first task started read better than wall-clock ticks,
    # and the title carries the absolute start time.
    for row, bar in enumerate(bars):
        start = (bar.start - origin).total_seconds() / 60
        width = max((bar.end - bar.start).total_seconds() / 60, 0.01)
        axes.barh(
            row,
            width,
            left=start,
            height=0.5 if bar.is_group else 0.7,
            color=_COLOURS.get(bar.state, _DEFAULT_COLOUR),
            edgecolor="#1d1c1d" if bar.state is TaskState.ERROR else "none",
            linewidth=1.5,
        )
    axes.set_yticks(range(len(bars)), [_short(bar.label) for bar in bars], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(f"minutes since {origin:%Y-%m-%d %H:%M:%S %Z}", fontsize=8)
    axes.set_title(title, fontsize=10, loc="left")
    axes.grid(axis="x", alpha=0.3)
    states = sorted({bar.state for bar in bars}, key=lambda s: s.value)
    axes.legend(
        handles=[Patch(color=_COLOURS.get(s, _DEFAULT_COLOUR), label=s.value) for s in states],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(label: str, limit: int = 48) -> str:
    return label if len(label) <= limit else "…" + label[-(limit - 1) :]
