"""Where a failure sits: Digdag's generated task names read back, the failure a failed
handler was handling, and the task an sla: deadline caught."""

from __future__ import annotations

from datetime import timedelta

from bot.diagnosis.tasks import failing_tasks
from tests.diagnosis.test_tasks_and_history import T0, task

ERR = {"message": "boom"}


def test_for_each_with_two_keys_and_encoded_values() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+fan", 1, "group_error", group=True, config={"for_each>": {}}),
        task(3, "+wf+fan^sub", 2, "group_error", group=True),
        task(4, "+wf+fan^sub+for-0=day=1=2024-05-02&1=shop=0=New%20York", 3, "error", ERR),
    ]
    [found] = failing_tasks(tasks)
    assert found.iteration == "for_each> +wf+fan: day=2024-05-02, shop=New York"


def test_loop_inside_call_names_both_levels_outermost_first() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+run", 1, "group_error", group=True, config={"call>": "child"}),
        task(3, "+wf+run^sub", 2, "group_error", group=True),
        task(4, "+wf+run^sub+pages", 3, "group_error", group=True, config={"loop>": 4}),
        task(5, "+wf+run^sub+pages^sub", 4, "group_error", group=True),
        task(6, "+wf+run^sub+pages^sub+loop-2", 5, "error", ERR),
    ]
    [found] = failing_tasks(tasks)
    assert found.iteration == ("call> child from +wf+run; loop> +wf+run^sub+pages: iteration i=2")


def test_for_range_and_top_level_tasks() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+ids", 1, "group_error", group=True, config={"for_range>": {}}),
        task(3, "+wf+ids^sub", 2, "group_error", group=True),
        task(4, "+wf+ids^sub+range-from=0&to=100", 3, "error", ERR),
        task(5, "+wf+plain", 1, "error", ERR),
    ]
    ranged, plain = failing_tasks(tasks)
    assert ranged.iteration == "for_range> +wf+ids: range 0 to 100"
    assert plain.iteration is None


def test_a_failed_handler_points_at_the_failure_it_handled() -> None:
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        task(2, "+wf+load", 1, "group_error", group=True),
        task(3, "+wf+load+copy", 2, "error", ERR),
        task(4, "+wf+load^error", 2, "error", ERR),
        task(5, "+wf^failure-alert", 1, "error", ERR),
    ]
    real, handler, alert = failing_tasks(tasks)
    assert real.handles is None
    assert handler.handles == "+wf+load+copy" and handler.is_handler
    assert alert.handles == "+wf+load+copy"


def test_the_sla_names_the_task_still_running_at_the_deadline() -> None:
    deadline = T0 + timedelta(hours=2)
    tasks = [
        task(1, "+wf", None, "group_error", group=True),
        # prepare ran longer in total, but had ended before the deadline.
        task(2, "+wf+prepare", 1, "success", started=T0),
        task(3, "+wf+transform", 1, "running", started=T0 + timedelta(minutes=5)),
        task(4, "+wf^sla^fail", 1, "error", {"message": "SLA violation"}, started=deadline),
    ]
    [found] = failing_tasks(tasks)
    assert found.slow_task == "+wf+transform"
