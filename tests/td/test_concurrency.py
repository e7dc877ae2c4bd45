"""One client, many calls in flight at once (asyncio.gather)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.sandbox import Sandbox
from bot.td import TDClient


async def test_gathered_calls_match_sequential_ones(td: TDClient, sandbox: Sandbox) -> None:
    attempt_ids = list(sandbox.case_attempt_ids().values())[:12]

    async def sessions() -> list[str]:
        return [s.id async for s in td.iter_sessions()]

    calls: list[Callable[[], Awaitable[object]]] = [
        *(lambda a=a: td.attempt(a) for a in attempt_ids),
        *(lambda a=a: td.tasks(a) for a in attempt_ids),
        td.databases,
        td.account,
        lambda: td.jobs(limit=50),
        sessions,
        sessions,
    ]
    sequential = [await call() for call in calls]
    sent_alone = td.request_count
    sandbox.faults.latency = 0.05
    gathered = await asyncio.gather(*(call() for call in calls))
    assert gathered == sequential
    assert td.request_count == 2 * sent_alone
    assert len(sandbox.requests.records) == td.request_count
