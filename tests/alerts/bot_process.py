"""The alert poller as a separate process, for crash and replica tests.

    python -m tests.alerts.bot_process --td URL --api-key K --slack URL --db URL
        [--polls N] [--interval S] [--lease S] [--crash-at after_claim|after_post]
        [--posts-per-second R]

It polls with the real pieces (TDClient over HTTP, Store, SlackNotifier over
slack_sdk) and can SIGKILL itself at a chosen point: right after a claim is
written (before anything is posted), or right after Slack accepted a post
(before it is marked delivered). ``--polls 0`` polls until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.alerts import Poller, PollerConfig
from bot.alerts.pacing import ChannelPacer
from bot.alerts.sender import DeliveryConfig
from bot.message import Message
from bot.notify import Marks, SlackNotifier, slack_client
from bot.store import Claim, Store
from bot.td import TDClient, derive_endpoints

CRASH_POINTS = ("after_claim", "after_post")


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class CrashAfterClaim:
    """The store, except that the process dies as soon as a claim is written."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def claim_alert(self, *args: Any, **kwargs: Any) -> Claim | None:
        claim = await self._store.claim_alert(*args, **kwargs)
        if claim is not None:
            _die()
        return claim


class CrashAfterPost(SlackNotifier):
    """Posts, then dies before the caller can record that the post went through."""

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        ts = await super().post(destination, message, thread=thread, marks=marks)
        _die()
        return ts


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--td", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--slack", required=True, help="Slack Web API base URL")
    parser.add_argument("--db", required=True)
    parser.add_argument("--polls", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--crash-at", choices=CRASH_POINTS)
    parser.add_argument("--posts-per-second", type=float, default=1.0, help="per channel")
    args = parser.parse_args(argv)

    td = TDClient(args.api_key, derive_endpoints(args.td, args.td, args.td))
    store = await Store.open(args.db, lease=timedelta(seconds=args.lease))
    slack = slack_client("xoxb-fake-token", args.slack, retry_rate_limits=False)
    notifier_type = CrashAfterPost if args.crash_at == "after_post" else SlackNotifier
    poller = Poller(
        td,
        CrashAfterClaim(store) if args.crash_at == "after_claim" else store,  # type: ignore[arg-type]
        notifier_type(slack, deadline=10),
        console=args.td,
        pacer=ChannelPacer(rate=args.posts_per_second),
        config=PollerConfig(
            poll_seconds=args.interval, delivery=DeliveryConfig(retry_base=args.interval)
        ),
    )
    try:
        done = 0
        while args.polls == 0 or done < args.polls:
            report = await poller.poll_once()
            print(
                f"poll leader={report.leader} claimed={report.claimed} "
                f"posted={report.delivery.posted if report.delivery else 0}",
                flush=True,
            )
            done += 1
            if args.polls == 0 or done < args.polls:
                await asyncio.sleep(args.interval)
    finally:
        await store.close()
        await td.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
