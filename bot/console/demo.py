"""``tdbot demo``: the sandbox TD account, the bot's domain on it, and a local console."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from bot.console.examples import find_examples
from bot.console.interactive import POLL_SECONDS as CONSOLE_POLL_SECONDS
from bot.console.interactive import run_console
from bot.console.runtime import open_demo
from bot.console.screen import Screen
from bot.console.tour import POLL_SECONDS as TOUR_POLL_SECONDS
from bot.console.tour import TourError, play_tour


async def run_demo(*, tour: bool, speed: float) -> int:
    if speed <= 0:
        print("tdbot demo: --speed must be positive", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    screen = Screen.for_stream(sys.stdout, color="NO_COLOR" not in os.environ)
    # Kept after exit: the timeline PNGs are the user's to open.
    files = Path(tempfile.mkdtemp(prefix="tdbot-demo-"))
    poll_seconds = TOUR_POLL_SECONDS if tour else CONSOLE_POLL_SECONDS
    async with open_demo(screen, files, poll_seconds=poll_seconds, strict=tour) as demo:
        if tour:
            try:
                return await play_tour(demo)
            except TourError as error:
                print(f"tdbot demo: the tour stopped: {error}", file=sys.stderr)
                return 1
        return await run_console(demo, await find_examples(demo), speed=speed)
