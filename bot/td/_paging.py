"""Lazy paging over TD's id-cursor lists.

TD returns no cursor and no "next" link (td-api §3.12): the next page starts
after the last id of this one, and a page shorter than asked for is the last.
A server that ignores ``last_id`` would make that loop forever, so the cursor
must move every page or the listing fails loudly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from bot.td.errors import InvalidResponse


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=_HasId)


async def by_last_id(
    fetch: Callable[[int | None], Awaitable[Sequence[Item]]],
    *,
    page_size: int,
    descending: bool,
    path: str,
    last_id: int | None = None,
) -> AsyncIterator[Item]:
    """Items of every page; ``fetch(last_id)`` gets one page (``None``: the first)."""
    while True:
        page = await fetch(last_id)
        for item in page:
            yield item
        if len(page) < page_size:
            return
        try:
            ids = [int(item.id) for item in page]
        except ValueError:
            raise InvalidResponse(
                "non-numeric id in a paged list", status=200, method="GET", path=path
            ) from None
        cursor = min(ids) if descending else max(ids)
        if last_id is not None and (cursor >= last_id if descending else cursor <= last_id):
            raise InvalidResponse(
                f"paging did not advance past last_id={last_id}",
                status=200,
                method="GET",
                path=path,
            )
        last_id = cursor
