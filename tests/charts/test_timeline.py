from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest

from bot.charts import render_timeline_png, timeline_bars
from bot.td.models import Task

START = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)


def _task(n: int, state: str, minutes: int) -> Task:
    return Task.model_validate(
        {
            "id": str(n),
            "fullName": f"+wf+t{n}",
            "state": state,
            "startedAt": (START + timedelta(minutes=n)).isoformat(),
            "updatedAt": (START + timedelta(minutes=n + minutes)).isoformat(),
        }
    )


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_chart_grows_with_the_number_of_tasks() -> None:
    small = [_task(n, "success", 2) for n in range(3)]
    large = [_task(n, "success", 2) for n in range(30)] + [_task(31, "error", 1)]
    small_size = _png_size(render_timeline_png("a", timeline_bars(small, START)))
    large_size = _png_size(render_timeline_png("b", timeline_bars(large, START)))
    assert small_size[0] == large_size[0]
    assert large_size[1] > small_size[1] * 3


def test_tasks_that_never_started_are_left_out_and_running_ones_end_now() -> None:
    blocked = Task.model_validate({"id": "9", "fullName": "+wf+later", "state": "blocked"})
    running = Task.model_validate(
        {"id": "8", "fullName": "+wf+now", "state": "running", "startedAt": START.isoformat()}
    )
    now = START + timedelta(hours=1)
    bars = timeline_bars([blocked, running], now)
    assert [bar.label for bar in bars] == ["+wf+now"]
    assert bars[0].end == now


def test_nothing_started_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="nothing to draw"):
        render_timeline_png("x", [])
