"""``python -m bot demo`` as a user runs it: the tour without a terminal, the console with one."""

from __future__ import annotations

import os
import pty
import re
import select
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import matplotlib.image
import pytest

from bot.console.examples import featured_case_key
from bot.sandbox import Sandbox
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import TDClient
from tests.diagnosis.expected import EXPECTED

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def demo_env(tmp_path: Path) -> dict[str, str]:
    # TMPDIR: the demo's files (database, PNGs) land in the test's own directory.
    return {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp_path = tmp_path_factory.mktemp("tour")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env=demo_env(tmp_path),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def step(output: str, number: int) -> str:
    """The output of one numbered tour step, up to the next heading."""
    match = re.search(rf"^── {number}\. .*?(?=^── )", output, re.MULTILINE | re.DOTALL)
    assert match, f"no step {number} in the tour output"
    return match[0]


async def test_the_tour_looks_up_the_job_behind_the_featured_failure(
    tour: str, sandbox: Sandbox
) -> None:
    typed = re.search(r"^› /td job (\d+)$", step(tour, 2), re.MULTILINE)
    assert typed, step(tour, 2)
    job_id = typed[1]
    assert re.search(rf"^\s+❌ Job {job_id}: ", step(tour, 2), re.MULTILINE)
    # The same seed makes the same account: the job is the one the failed attempt ran.
    attempt_id = sandbox.case_attempt_id(featured_case_key())
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as td:
        job = await td.job(job_id)
    assert f"attempt_id: {attempt_id}" in str(job.query)
    assert f"› /td attempt {attempt_id}" in step(tour, 3)


def test_the_tour_diagnoses_the_failing_task_and_its_category(tour: str) -> None:
    case = next(c for c in FAILURE_CASES if c.key == featured_case_key())
    diagnosis = step(tour, 4)
    assert f"+{case.key}+" + "+".join(case.path) in diagnosis
    assert EXPECTED[case.key].category.title in diagnosis
    assert "Retry:" in diagnosis


def test_the_tour_shows_an_alert_and_its_recovery_in_the_thread(tour: str) -> None:
    alert = step(tour, 5)
    assert "› /td subscribe *" in alert
    assert re.search(r"^tdbot · #tdbot-demo\n  \S+ (Failed|Killed): \S+/\S+$", alert, re.MULTILINE)
    assert "[Diagnose] [Retry failed tasks]" in alert
    recovery = step(tour, 7)
    thread = re.search(
        r"^↳ tdbot in the thread of “\S+ (Failed|Killed): (\S+/\S+)”$", recovery, re.M
    )
    assert thread, recovery
    assert re.search(r"^  │ .*[Rr]ecovered", recovery, re.MULTILINE)
    edited = recovery.split("edited in place: the message is now\n", 1)
    assert len(edited) == 2 and edited[1].startswith(f"  ✅ Recovered: {thread[2]}\n")
    assert f"› /td sessions {thread[2]} " in step(tour, 9)


def test_the_tour_shows_the_home_board_with_the_failure_it_alerted(tour: str) -> None:
    alert = re.search(r"^  \S+ (?:Failed|Killed): (\S+/\S+)$", step(tour, 5), re.MULTILINE)
    assert alert, step(tour, 5)
    home = step(tour, 6)
    assert "› home" in home
    failing = re.search(r"^🚨 Failing now \((\d+)\)$", home, re.MULTILINE)
    assert failing and int(failing[1]) >= 1, home
    # The run by its session time and when it failed (the console wraps the line).
    run = r"\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d session · failed .* ago\)\s+· nobody on it"
    assert re.search(rf"^{re.escape(alert[1])} · {run}", home, re.M), home
    assert "#C0TDBOTDEMO: every project" in home.replace("`", "")
    assert "last successful poll" in home and "TD reachable" in home


def test_the_tour_saves_a_timeline_png_that_decodes(tour: str) -> None:
    paths = re.findall(r"^\s+(/\S+\.png)$", step(tour, 8), re.MULTILINE)
    assert len(paths) == 1, step(tour, 8)
    data = Path(paths[0]).read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 200 and height >= 100
    pixels = matplotlib.image.imread(paths[0])
    assert pixels.shape[:2] == (height, width)


def test_the_tour_shows_a_report_and_names_its_saved_chart_and_table(tour: str) -> None:
    report = step(tour, 10)
    assert "› /td report 3d" in report
    assert "Reliability of *, last 3 days" in report and "Success rate:" in report
    [png] = re.findall(r"^\s+(/\S+\.png)$", report, re.MULTILINE)
    [table] = re.findall(r"^\s+(/\S+\.csv)$", report, re.MULTILINE)
    assert matplotlib.image.imread(png).shape[1] >= 200
    header = Path(table).read_text().splitlines()[0]
    assert header.startswith("project,workflow,runs,successes,failures")


class Terminal:
    """The demo on a pseudo-terminal, so it runs as it does for a person at a shell."""

    def __init__(self, tmp_path: Path) -> None:
        self._fd, child = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo", "--speed", "1"],
            stdin=child,
            stdout=child,
            stderr=child,
            cwd=ROOT,
            env=demo_env(tmp_path),
        )
        os.close(child)
        self.output = ""

    def read_until(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while (found := re.search(pattern, self.output, re.MULTILINE)) is None:
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} did not appear in:\n{self.output}"
            ready, _, _ = select.select([self._fd], [], [], min(left, 0.2))
            if ready:
                self.output += os.read(self._fd, 65536).decode(errors="replace")
        return found

    def type(self, line: str) -> None:
        os.write(self._fd, line.encode() + b"\r")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        os.close(self._fd)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.close()


def test_the_console_answers_typed_commands_and_quits(terminal: Terminal) -> None:
    banner = terminal.read_until(r"^  /td job (\d+) ")
    job_id = banner[1]
    assert "subscribed to *" in terminal.output
    terminal.read_until(r"tdbot> ")
    terminal.type(f"@tdbot job {job_id}")
    terminal.read_until(rf"Job {job_id}: ")
    terminal.type("advance 30m")
    terminal.read_until(r"sandbox clock: .* → .* UTC")
    terminal.type("/td nonsense")
    terminal.read_until(r"unknown subcommand")
    terminal.type("quit")
    assert terminal.process.wait(timeout=15) == 0


def test_the_tour_shows_a_run_running_long_and_its_end(tour: str) -> None:
    match = re.search(r"^── \d+\. a run that runs long.*?(?=^── )", tour, re.MULTILINE | re.DOTALL)
    assert match, tour[-2000:]
    shown = match[0]
    assert "› /td sla cdp_audiences/build_segments runtime 1m" in shown
    assert "⏳ Running long: cdp_audiences/build_segments" in shown
    assert "Running now: +build_segments+" in shown and "Admins can stop it: /td kill" in shown
    assert "✅ Running long (ended): cdp_audiences/build_segments" in shown
    ended = shown.split("✅ Running long (ended)", 1)[1].split("↳", 1)[0]
    # The edited parent no longer says what runs now, nor how to stop it.
    assert "Was running: +build_segments+" in ended and "Had run for 5m 00s when alerted" in ended
    assert "Running now" not in ended and "Admins can stop it" not in ended
    assert "runtime 1m 00s (sla cdp_audiences/build_segments runtime)" in shown


def test_the_tour_shows_a_schedule_that_did_not_start_and_its_resolution(tour: str) -> None:
    match = re.search(r"^── \d+\. a schedule that does not start.*?(?=^── )", tour, re.M | re.S)
    assert match, tour[-2000:]
    silent = match[0]
    assert "TD's scheduler stops firing web_analytics/pageviews_hourly" in silent
    assert re.search(r"^  \S+ Not started: web_analytics/pageviews_hourly", silent, re.M), silent
    assert "↳ tdbot in the thread of “" in silent
    edited = silent.split("edited in place: the message is now\n", 1)
    assert len(edited) == 2 and "Not started (ended)" in edited[1].split("\n", 1)[0], silent
