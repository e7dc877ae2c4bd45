"""The benchmark-sized account has the shape the alert benchmark relies on.

How fast it builds and answers is measured by bench/alerts.py, not asserted here.
"""

from __future__ import annotations

import httpx

from bot.sandbox import Sandbox, Scale
from tests.sandbox.shapes import json_of


def test_two_thousand_workflows_twenty_thousand_attempts() -> None:
    sandbox = Sandbox(scale=Scale(workflows=2000, attempts=20000))
    store = sandbox.world.store
    bulk = [p for p in store.projects.values() if p.name.startswith("bulk_")]
    assert sum(len(p.workflows) for p in bulk) == 2000
    bulk_attempts = [a for a in store.attempts.values() if a.session.project in bulk]
    assert len([a for a in bulk_attempts if a.index == 1]) == 20000
    with (
        sandbox,
        httpx.Client(
            base_url=sandbox.url, headers={"Authorization": f"TD1 {sandbox.api_key}"}
        ) as api,
    ):
        page = json_of(api.get("/api/attempts", params={"page_size": 100}))["attempts"]
        deep = json_of(
            api.get("/api/attempts", params={"page_size": 100, "last_id": page[-1]["id"]})
        )["attempts"]
        one = json_of(api.get("/api/attempts", params={"project": "bulk_042"}))["attempts"]
    assert len(page) == len(deep) == 100 and int(deep[0]["id"]) < int(page[-1]["id"])
    assert len(one) == 100 and {a["project"]["name"] for a in one} == {"bulk_042"}
    failed = [a for a in bulk_attempts if a.status == "error"]
    assert 0.01 < len(failed) / len(bulk_attempts) < 0.06  # Scale.fail_rate = 3 %


def test_scheduled_bulk_workflows_are_listed_in_pages_of_a_hundred() -> None:
    with Sandbox(scale=Scale(workflows=700, attempts=700, schedules=True)) as sandbox:
        headers = {"Authorization": f"TD1 {sandbox.api_key}"}
        with httpx.Client(base_url=sandbox.url, headers=headers) as api:
            listed: list[dict[str, object]] = []
            last_id = None
            while True:
                page = json_of(api.get("/api/schedules", params={"last_id": last_id or ""}))
                listed += page["schedules"]
                if len(page["schedules"]) < 100:
                    break
                last_id = page["schedules"][-1]["id"]
            sandbox.advance(3600)  # 09:30 to 10:30: job_00571 (09:31) to job_00630 fire
            fired = json_of(api.get("/api/attempts", params={"project": "bulk_028"}))["attempts"]
    bulk = [s for s in listed if str(s["workflow"]["name"]).startswith("job_")]  # type: ignore[index]
    assert len(bulk) == 700
    assert any(a["params"].get("next_session_time") for a in fired)
