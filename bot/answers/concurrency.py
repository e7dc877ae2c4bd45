"""Independent TD calls at once, without leaving a call running after another failed.

``asyncio.gather`` keeps the siblings of a failed call running (they outlive the
answer and may hit a closed client); a TaskGroup cancels them. The first error
is re-raised as itself, so callers catch ``TDError`` as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")


async def both(first: Coroutine[Any, Any, A], second: Coroutine[Any, Any, B]) -> tuple[A, B]:
    try:
        async with asyncio.TaskGroup() as group:
            one = group.create_task(first)
            two = group.create_task(second)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return one.result(), two.result()
