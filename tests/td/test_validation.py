"""Bad arguments fail with ValueError before any request reaches TD (or the sandbox)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient

BAD_IDS: list[Any] = [
    "abc",
    "",
    " ",
    "-1",
    "1e3",
    "0",
    "12abc",
    "1.0",
    "\uff11\uff12",
    0,
    -5,
    1.5,
    True,
    2**63,
]


def id_calls(td: TDClient) -> dict[str, Callable[[Any], Awaitable[object]]]:
    return {
        "job": td.job,
        "job_status": td.job_status,
        "kill_job": td.kill_job,
        "project": td.project,
        "workflows": td.workflows,
        "workflow": td.workflow,
        "workflow_by_name": lambda bad: td.workflow_by_name(bad, "wf"),
        "session": td.session,
        "session_attempts": td.session_attempts,
        "attempt": td.attempt,
        "tasks": td.tasks,
        "retries": td.retries,
        "kill_attempt": td.kill_attempt,
        "log_files": td.log_files,
        "log_text": lambda bad: td.log_text(bad, "+wf+t@1.log.gz"),
        "task_log": lambda bad: td.task_log(bad, "+wf+t"),
        "attempts_page": lambda bad: td.attempts_page(last_id=bad),
        "start_attempt": lambda bad: td.start_attempt(bad, "2024-05-01T00:00:00+00:00", {}),
        "resume": lambda bad: td.start_attempt(
            1, "2024-05-01T00:00:00+00:00", {}, retry_attempt_name="r", resume_failed_attempt_id=bad
        ),
    }


async def test_bad_ids_are_refused_before_any_request(td: TDClient, sandbox: Sandbox) -> None:
    for bad in BAD_IDS:
        for name, call in id_calls(td).items():
            with pytest.raises(ValueError, match="positive integer id") as info:
                await call(bad)
            assert repr(bad) in str(info.value), name
        with pytest.raises(ValueError, match="positive integer id"):
            td.iter_sessions(project_id=bad)
        with pytest.raises(ValueError, match="positive integer id"):
            td.iter_attempts(last_id=bad)
    assert td.request_count == 0
    assert sandbox.requests.count() == 0


async def test_required_ids_refuse_none(td: TDClient, sandbox: Sandbox) -> None:
    for name, call in id_calls(td).items():
        if name in ("attempts_page", "resume"):  # None there means "not given"
            continue
        with pytest.raises(ValueError, match="positive integer id"):
            await call(None)
    assert td.request_count == 0
    assert sandbox.requests.count() == 0


async def test_page_sizes_outside_1_to_100_are_refused(td: TDClient, sandbox: Sandbox) -> None:
    factories: list[Callable[[Any], object]] = [
        lambda size: td.iter_sessions(page_size=size),
        lambda size: td.iter_sessions(project_id=1, page_size=size),
        lambda size: td.iter_attempts(page_size=size),
        lambda size: td.iter_projects(page_size=size),
        lambda size: td.iter_jobs(page_size=size),
    ]
    sizes: list[Any] = [0, 101, -1, 1000, "10", 2.0, True, None]
    for size in sizes:
        for make in factories:
            with pytest.raises(ValueError, match="from 1 to 100"):
                make(size)
        with pytest.raises(ValueError, match="from 1 to 100"):
            await td.attempts_page(page_size=size)
        with pytest.raises(ValueError, match="limit must be an integer from 1 to 100"):
            await td.jobs(limit=size)
    assert td.request_count == 0
    assert sandbox.requests.count() == 0


async def test_other_bad_arguments(td: TDClient, sandbox: Sandbox) -> None:
    refused: list[tuple[Callable[[], Awaitable[object]], str]] = [
        (lambda: td.project_by_name(""), "project name must be a non-empty string"),
        (lambda: td.project_by_name("  "), "non-empty"),
        (lambda: td.project_by_name("a\nb"), "control characters"),
        (lambda: td.workflow_by_name(1, ""), "workflow name must be a non-empty"),
        (lambda: td.tables(""), "database must be a non-empty"),
        (lambda: td.log_text(1, ""), "file_name must be a non-empty"),
        (lambda: td.task_log(1, ""), "full_name must be a non-empty"),
        (lambda: td.log_files(1, task=""), "task must be a non-empty"),
        (lambda: td.jobs(status="bogus"), "status must be one of"),
        (lambda: td.jobs(status="unknown"), "status must be one of"),
        (lambda: td.jobs(offset=-1), "offset must be an integer >= 0"),
        (lambda: td.attempts_page(workflow="wf"), "workflow needs project"),
        (lambda: td.attempts_page(project=""), "project must be a non-empty"),
        (lambda: td.attempts_page(project="p", include_retried="yes"), "include_retried"),  # type: ignore[arg-type]
        (lambda: td.start_attempt(1, datetime(2024, 5, 1), {}), "time zone"),
        (lambda: td.start_attempt(1, "yesterday", {}), "ISO-8601"),
        (lambda: td.start_attempt(1, "2024-05-01T00:00:00", {}), "ISO-8601"),
        (lambda: td.start_attempt(1, "2024-05-01T00:00:00Z", [1]), "params must be a mapping"),  # type: ignore[arg-type]
        (
            lambda: td.start_attempt(1, "2024-05-01T00:00:00Z", {}, resume_failed_attempt_id=5),
            "needs retry_attempt_name",
        ),
        (
            lambda: td.start_attempt(1, "2024-05-01T00:00:00Z", {}, retry_attempt_name=""),
            "retry_attempt_name must be a non-empty",
        ),
    ]
    for call, message in refused:
        with pytest.raises(ValueError, match=message):
            await call()
    for make in (
        lambda: td.iter_sessions(workflow="wf"),
        lambda: td.iter_projects(name_pattern=""),
        lambda: td.iter_jobs(status="nope"),
    ):
        with pytest.raises(ValueError):
            make()
    assert td.request_count == 0
    assert sandbox.requests.count() == 0


def test_client_refuses_an_empty_key(sandbox: Sandbox) -> None:
    for key in ("", "   ", "abc\r\nX-Injected: 1"):
        with pytest.raises(ValueError, match="api_key"):
            TDClient(key, sandbox.endpoints())


def test_client_refuses_a_bound_below_one(sandbox: Sandbox) -> None:
    for bound in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="max_concurrency"):
            TDClient(sandbox.api_key, sandbox.endpoints(), max_concurrency=bound)  # type: ignore[arg-type]
