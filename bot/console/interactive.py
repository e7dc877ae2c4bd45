"""The interactive console: type ``/td ...`` lines while the sandbox lives on.

The sandbox's clock runs in the background at ``speed`` sandbox seconds per
real second, and the alert poller runs whenever a poll is due on that clock,
so alerts print as runs fail and recover. Input is read on a daemon thread
(``input()`` blocks), so leaving never waits for a line that will not come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from bot.commands import ListSessions, command_text, parse_duration
from bot.console.examples import Examples
from bot.console.runtime import CHANNEL, CHANNEL_NAME, USER, DemoRuntime
from bot.store import ALL_PROJECTS

log = logging.getLogger(__name__)

PROMPT = "tdbot> "
POLL_SECONDS = 60.0  # TDBOT_POLL_SECONDS's default, on the sandbox's clock
CLOCK_TICK = 0.5  # real seconds between moves of the sandbox clock
MAX_ADVANCE = 7 * 86400
_QUIT = frozenset({"quit", "exit", ":q"})


def banner(demo: DemoRuntime, examples: Examples, speed: float) -> list[str]:
    style = demo.screen.style
    sessions = command_text(ListSessions(examples.project, examples.workflow, limit=5))
    return [
        style.bold("tdbot demo") + ": the bot's own code against a built-in sandbox TD account.",
        "No Slack workspace and no TD account needed; answers are the Block Kit messages",
        "the Slack app would post, shown as text.",
        "",
        f"Sandbox TD account: {demo.sandbox.url} (v3 and Workflow API)",
        f"  TD_API_KEY={demo.sandbox.api_key}",
        f"Sandbox clock: {demo.now():%Y-%m-%d %H:%M} UTC, running at {speed:g}× "
        f"(alert poll every {demo.poll_seconds:g} sandbox seconds)",
        f"This channel ({CHANNEL_NAME}) is subscribed to *: alerts appear here as runs fail "
        "and recover.",
        f"Files (the bot's database, timeline PNGs) are kept in {demo.files}",
        "",
        "Try:",
        *_examples(
            (f"/td diagnose {examples.failed_attempt_id}", "why a corpus attempt failed"),
            (f"/td attempt {examples.failed_attempt_id}", "the same attempt's tasks"),
            (f"/td job {examples.job_id}", "the TD job behind it"),
            (f"/td {sessions}", "a workflow's history"),
            (f"/td timeline {examples.failed_attempt_id}", "a PNG of when each task ran"),
            ("@tdbot why", "in the thread of the latest alert"),
            (f"/td retry {examples.failed_attempt_id}", "then confirm: you are the demo's admin"),
            ("advance 8h", "(console only) move the sandbox clock on now"),
            ("home", "the Home tab: what is failing, who is on it, the bot's health"),
            ("help, quit", ""),
        ),
        "",
    ]


def _examples(*pairs: tuple[str, str]) -> list[str]:
    width = max(len(command) for command, _ in pairs) + 3
    return [f"  {command:<{width}}{what}".rstrip() for command, what in pairs]


async def run_console(demo: DemoRuntime, examples: Examples, *, speed: float) -> int:
    await demo.store.add_subscription(CHANNEL, ALL_PROJECTS, None, created_by=USER)
    demo.screen.print(banner(demo, examples, speed))
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    ready = threading.Event()
    reader = threading.Thread(
        target=_read_lines,
        args=(asyncio.get_running_loop(), lines, ready, demo),
        name="tdbot-demo-input",
        daemon=True,
    )
    clock = asyncio.create_task(_run_clock(demo, speed), name="tdbot-demo-clock")
    reader.start()
    try:
        while True:
            ready.set()
            line = await lines.get()
            if line is None or line.strip().lower() in _QUIT:
                return 0
            if line.strip():
                await _handle(demo, line.strip())
    except asyncio.CancelledError:
        # Ctrl-C: asyncio.run cancels this task; leaving quietly is what was asked.
        return 130
    finally:
        clock.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clock
        demo.screen.prompt_waiting(None)  # the reader may still sit in input(): leave the line
        demo.screen.print([""])


async def _handle(demo: DemoRuntime, line: str) -> None:
    word, _, rest = line.partition(" ")
    if word.lower() == "home" and not rest:
        await demo.home()
        return
    if word.lower() == "confirm" and not rest:
        if await demo.confirm() is None:
            demo.screen.note("nothing to confirm: `/td retry <attempt>` or `/td kill ...` first")
        return
    if word.lower() != "advance":
        await demo.ask(line)
        return
    duration = parse_duration(rest)
    if duration is None or not 0 < duration.total_seconds() <= MAX_ADVANCE:
        demo.screen.note("usage: advance <duration>, e.g. advance 30m, advance 2h (at most 7d)")
        return
    before = demo.now()
    await demo.advance(duration.total_seconds())
    demo.screen.note(f"sandbox clock: {before:%Y-%m-%d %H:%M} → {demo.now():%Y-%m-%d %H:%M} UTC")


async def _run_clock(demo: DemoRuntime, speed: float) -> None:
    while True:
        await asyncio.sleep(CLOCK_TICK)
        try:
            await demo.advance(speed * CLOCK_TICK)
        except Exception:
            # The console stays usable; the poller's own failures are logged by tick().
            log.exception("moving the sandbox clock failed")


def _read_lines(
    loop: asyncio.AbstractEventLoop,
    lines: asyncio.Queue[str | None],
    ready: threading.Event,
    demo: DemoRuntime,
) -> None:
    typed = _line_buffer()
    while True:
        # One line at a time: the next prompt shows once the answer is printed.
        ready.wait()
        ready.clear()
        demo.screen.prompt_waiting(PROMPT, typed)
        try:
            line: str | None = input(PROMPT)
        except EOFError:
            line = None
        finally:
            demo.screen.prompt_waiting(None)
        loop.call_soon_threadsafe(lines.put_nowait, line)
        if line is None:
            return


def _line_buffer() -> Callable[[], str]:
    """What has been typed at the prompt so far, when readline can tell."""
    try:
        import readline
    except ImportError:  # not on every platform
        return lambda: ""
    return readline.get_line_buffer
