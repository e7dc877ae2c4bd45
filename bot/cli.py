"""The ``tdbot`` command line: ``serve``, ``demo`` and ``sandbox``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.settings import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tdbot", description="Slack ChatOps bot for Treasure Data."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode)",
    )
    serve.add_argument(
        "--http", action="store_true", help="HTTP mode even when SLACK_APP_TOKEN is set"
    )
    serve.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3000, help="listen port (default 3000)")
    serve.add_argument("--log-level", default="INFO")

    demo = commands.add_parser(
        "demo", help="a built-in sandbox TD account and a local console: no Slack, no TD account"
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="sandbox seconds per real second while the console waits (default 60)",
    )
    demo.add_argument(
        "--tour",
        action="store_true",
        help="play the scripted tour and exit (the default when stdin is not a terminal)",
    )

    sandbox = commands.add_parser("sandbox", help="serve the sandbox TD account alone")
    sandbox.add_argument("--port", type=int, default=8765)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        try:
            settings = load_settings(http_mode=args.http)
        except SettingsError as exc:
            print(f"tdbot: {exc}", file=sys.stderr)
            return 2
        from bot.service import serve

        asyncio.run(serve(settings, host=args.host, port=args.port, log_level=args.log_level))
        return 0
    if args.command == "demo":
        from bot.console.demo import run_demo

        tour = args.tour or not sys.stdin.isatty()
        return asyncio.run(run_demo(tour=tour, speed=args.speed))
    if args.command == "sandbox":
        return _serve_sandbox(args.port)
    raise AssertionError(args.command)


def _serve_sandbox(port: int) -> int:
    import time

    from bot.sandbox import Sandbox

    with Sandbox(port=port) as sandbox:
        print(f"sandbox TD account at {sandbox.url}")
        print(f"  TD_API_KEY={sandbox.api_key}")
        print(f"  TD_API_SERVER={sandbox.url} TD_WORKFLOW_SERVER={sandbox.url}")
        print("Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0
