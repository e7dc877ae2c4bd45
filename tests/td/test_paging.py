"""Lazy id-cursor paging against the sandbox: pages, cursors, stop rule, size cap."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx

from bot.sandbox import Sandbox
from bot.td import TDClient


async def test_sessions_page_descending_with_exclusive_last_id(
    td: TDClient, sandbox: Sandbox
) -> None:
    paged = [s async for s in td.iter_sessions(page_size=50)]
    records = sandbox.requests.records
    whole = [s async for s in td.iter_sessions()]
    assert [s.id for s in paged] == [s.id for s in whole]
    ids = [int(s.id) for s in paged]
    assert ids == sorted(set(ids), reverse=True) and len(ids) > 100
    queries = [parse_qs(r.query) for r in records]
    assert len(queries) == len(ids) // 50 + 1
    # Each page starts below the smallest id of the page before.
    expected = [None] + [str(ids[n * 50 - 1]) for n in range(1, len(queries))]
    assert [q.get("last_id", [None])[0] for q in queries] == expected
    assert all(q["page_size"] == ["50"] for q in queries)


async def test_attempts_page_across_pages_and_from_a_cursor(td: TDClient, sandbox: Sandbox) -> None:
    everything = [a.id async for a in td.iter_attempts(page_size=37)]
    assert len(everything) > 37 * 3 and len(set(everything)) == len(everything)
    assert everything == [a.id async for a in td.iter_attempts()]
    start = everything[40]
    assert [a.id async for a in td.iter_attempts(last_id=start, page_size=50)] == everything[41:]
    first_page = await td.attempts_page(page_size=37)
    assert [a.id for a in first_page] == everything[:37]


async def test_projects_page_ascending(td: TDClient, sandbox: Sandbox) -> None:
    projects = [p async for p in td.iter_projects(page_size=3)]
    records = sandbox.requests.records
    ids = [int(p.id) for p in projects]
    assert ids == sorted(set(ids)) and len(ids) > 6
    queries = [parse_qs(r.query) for r in records]
    assert len(queries) == len(ids) // 3 + 1
    assert [q.get("last_id", [None])[0] for q in queries] == [None] + [
        str(ids[n * 3 - 1]) for n in range(1, len(queries))
    ]
    assert all(q["count"] == ["3"] for q in queries)


async def test_iterators_are_lazy(td: TDClient, sandbox: Sandbox) -> None:
    sessions = td.iter_sessions(page_size=10)
    assert td.request_count == 0  # nothing is fetched before iteration starts
    first = [await anext(sessions) for _ in range(10)]
    assert len(first) == 10 and td.request_count == 1
    await anext(sessions)
    assert td.request_count == 2


async def test_page_size_never_exceeds_100(td: TDClient, sandbox: Sandbox) -> None:
    async for _ in td.iter_sessions():
        pass
    async for _ in td.iter_attempts(include_retried=False):
        pass
    async for _ in td.iter_projects():
        pass
    await td.session_attempts((await td.attempts_page(page_size=1))[0].session_id)
    records = sandbox.requests.records
    sizes = [
        int(value)
        for r in records
        for key, values in parse_qs(r.query).items()
        if key in ("page_size", "count")
        for value in values
    ]
    assert sizes and max(sizes) == 100


async def test_the_server_rejects_larger_pages(td: TDClient, sandbox: Sandbox) -> None:
    """Why the cap exists: OSS Digdag (and the sandbox) answer 400 above 100."""
    async with httpx.AsyncClient(headers={"Authorization": f"TD1 {sandbox.api_key}"}) as raw:
        response = await raw.get(f"{sandbox.url}/api/sessions", params={"page_size": 101})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Your specified page_size is 101, but it is larger than MAX_PAGE_SIZE: 100"
    )
