"""Failing-task selection, kill detection and history context over TD-shaped objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.diagnosis.categories import Category
from bot.diagnosis.history import changes, failure_streak, last_success, params_diff
from bot.diagnosis.tasks import failing_tasks, kill_info
from bot.td.models import Attempt, AttemptStatus, Task

T0 = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)


def task(
    id: int,
    name: str,
    parent: int | None,
    state: str,
    error: dict[str, Any] | None = None,
    *,
    group: bool = False,
    config: dict[str, Any] | None = None,
    started: datetime | None = T0,
) -> Task:
    return Task.model_validate(
        {
            "id": str(id),
            "fullName": name,
            "parentId": None if parent is None else str(parent),
            "config": config or {},
            "upstreams": [],
            "isGroup": group,
            "state": state,
            "cancelRequested": False,
            "exportParams": {},
            "storeParams": {},
            "stateParams": {},
            "updatedAt": "2024-06-01T03:00:00Z",
            "retryAt": None,
            "startedAt": started.strftime("%Y-%m-%dT%H:%M:%SZ") if started else None,
            "error": error or {},
        }
    )


def attempt(
    id: int,
    session: int,
    session_time: datetime,
    status: str,
    *,
    created: datetime | None = None,
    finished: datetime | None = None,
    params: dict[str, Any] | None = None,
    workflow_id: str = "77",
    cancel: bool = False,
) -> Attempt:
    created = created or session_time
    return Attempt.model_validate(
        {
            "id": str(id),
            "index": 1,
            "project": {"id": "1", "name": "sales_daily"},
            "workflow": {"id": workflow_id, "name": "sales_daily"},
            "sessionId": str(session),
            "sessionTime": session_time.isoformat(),
            "retryAttemptName": None,
            "done": status != "running",
            "success": status == "success",
            "cancelRequested": cancel,
            "params": params or {},
            "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finishedAt": (finished or created + timedelta(minutes=10)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            if status != "running"
            else None,
            "status": status,
        }
    )


ERR = {"message": "boom", "stacktrace": "x.y(Z.java:1)"}


def test_leaf_errors_are_failures_and_groups_are_the_path() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+load", 1, "group_error", group=True),
        task(3, "+wf+load+inner", 2, "group_error", group=True),
        task(4, "+wf+load+inner+aggregate", 3, "error", ERR, config={"td>": "a.sql"}),
        task(5, "+wf+load+inner+other", 3, "success"),
        task(6, "+wf+after", 1, "blocked"),
    ]
    [found] = failing_tasks(tasks)
    assert found.task.full_name == "+wf+load+inner+aggregate"
    assert found.group_path == ("+wf+load", "+wf+load+inner")
    assert not found.is_handler and not found.error_handler_ran


def test_handlers_are_not_the_failure_but_a_failed_handler_is_reported_last() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+step", 1, "planned", ERR, config={"py>": "m.f"}),  # delayed error
        task(3, "+wf+step^error", 2, "error", {"message": "notify failed"}, config={"mail>": 1}),
        task(4, "+wf^failure-alert", 1, "success", config={"notify>": "x"}),
        task(5, "+wf+empty_error", 1, "error", {}),
    ]
    found = failing_tasks(tasks)
    assert [f.task.full_name for f in found] == ["+wf+step", "+wf+step^error"]
    assert found[0].error_handler_ran and not found[0].is_handler
    assert found[1].is_handler


def test_root_error_handler_counts_for_nested_failures() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+g", 1, "group_error", group=True),
        task(3, "+wf+g+t", 2, "error", ERR),
        task(4, "+wf^error", 1, "success"),
    ]
    assert failing_tasks(tasks)[0].error_handler_ran


def test_kill_by_person_versus_ttl() -> None:
    killed = attempt(9, 1, T0, "killed", cancel=True, finished=T0 + timedelta(hours=2))
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+wait", 1, "canceled", started=T0 + timedelta(minutes=1)),
        task(3, "+wf+never", 1, "canceled", started=None),
    ]
    info = kill_info(killed, tasks, T0 + timedelta(days=1))
    assert info is not None and info.category is Category.KILLED_BY_PERSON
    assert info.canceled_tasks == ("+wf+wait", "+wf+never") and info.longest_task == "+wf+wait"

    ttl = attempt(9, 1, T0, "killed", cancel=True, finished=T0 + timedelta(hours=25))
    info = kill_info(ttl, tasks, T0 + timedelta(days=2))
    assert info is not None and info.cause == "task_ttl"
    assert info.category is Category.KILLED_BY_TIMEOUT and "24 h" in info.description

    week = attempt(9, 1, T0, "killed", cancel=True, finished=T0 + timedelta(days=7, hours=1))
    short = [task(2, "+wf+wait", None, "canceled", started=T0 + timedelta(days=7))]
    info = kill_info(week, short, T0 + timedelta(days=8))
    assert info is not None and info.cause == "attempt_ttl"


def test_not_killed() -> None:
    done = attempt(9, 1, T0, "error")
    assert kill_info(done, [task(2, "+wf+t", None, "error", ERR)], T0) is None


def _day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def test_streak_counts_sessions_by_their_latest_attempt() -> None:
    recent = [
        attempt(10, 1, _day(0), "success"),
        attempt(11, 2, _day(1), "error"),
        attempt(12, 2, _day(1), "success"),  # retried into success: breaks nothing after it
        attempt(13, 3, _day(2), "error"),
        attempt(14, 4, _day(3), "killed", cancel=True),
        attempt(15, 5, _day(4), "error"),
        attempt(16, 6, _day(5), "running"),  # newer than the diagnosed session
    ]
    streak = failure_streak(recent[5], recent, complete=True)
    assert streak is not None
    assert (streak.count, streak.since, streak.first_attempt_id) == (3, _day(2), "13")
    assert not streak.bounded
    good = last_success(recent[5], recent)
    assert good is not None and good.id == "12"


def test_streak_is_bounded_when_history_runs_out() -> None:
    recent = [attempt(20 + n, n, _day(n), "error") for n in range(5)]
    streak = failure_streak(recent[-1], recent, complete=False)
    assert streak is not None and streak.count == 5 and streak.bounded
    assert last_success(recent[-1], recent) is None


def test_no_streak_for_a_success() -> None:
    ok = attempt(30, 1, _day(0), "success")
    assert failure_streak(ok, [ok], complete=True) is None


def test_changes_between_good_and_bad() -> None:
    good = attempt(
        1,
        1,
        _day(0),
        "success",
        params={"a": 1, "gone": "x", "same": 2},
        finished=_day(0) + timedelta(minutes=5),
    )
    bad = attempt(
        2,
        2,
        _day(1),
        "error",
        params={"a": 2, "new": True, "same": 2},
        finished=_day(1) + timedelta(minutes=45),
    )
    found = changes(good, bad, revision_before="r1", revision_after="r2")
    assert found.revision_changed
    assert [(p.key, p.kind) for p in found.params] == [
        ("a", "changed"),
        ("gone", "removed"),
        ("new", "added"),
    ]
    assert found.duration_delta_seconds == 40 * 60
    assert params_diff({}, {}) == ()
    assert AttemptStatus.SUCCESS is good.status


def test_params_the_schedule_sets_each_session_are_no_change() -> None:
    before = {"last_session_time": "2024-06-03T14:00:00+00:00", "target": "a"}
    after = {"last_session_time": "2024-06-03T15:00:00+00:00", "target": "b"}
    assert [c.key for c in params_diff(before, after)] == ["target"]
