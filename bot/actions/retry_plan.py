"""What a retry sends TD: which resume mode, which params, under which attempt name.

Pure over what TD said of the failed attempt (and its tasks, for ``from``), so
the confirmation and the click plan the same retry.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.td.models import Attempt, Task
from bot.text import safe

RETRY_NAME_PREFIX = "tdbot-retry-"
_SUGGESTIONS = 3
_GENERATED = "^"  # +wf^error, +wf^sub...: tasks Digdag makes, not ones to start from


@dataclass(frozen=True)
class ParamChange:
    key: str
    before: Any  # None when the attempt had no such param
    after: Any  # the value sent: as typed, or of the old value's JSON type when it reads as one
    text: str  # as typed
    had: bool


@dataclass(frozen=True)
class RetryPlan:
    attempt: Attempt
    from_task: str | None  # the task's full name, as TD has it
    params: dict[str, Any]
    changes: tuple[ParamChange, ...]

    @property
    def name(self) -> str:
        """The retry's attempt name: one per failed attempt and way of retrying it, so a
        repeat of the same retry is one attempt at TD (409 on the name)."""
        base = f"{RETRY_NAME_PREFIX}{self.attempt.id}"
        if self.from_task is None and not self.changes:
            return base
        how = json.dumps([self.from_task, [(c.key, c.text) for c in self.changes]])
        return f"{base}-{hashlib.sha256(how.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class NoSuchTask:
    wanted: str
    suggestions: tuple[str, ...]

    @property
    def message(self) -> str:
        """mrkdwn: the names are the user's and TD's."""
        missing = f"the attempt has no task {safe(self.wanted, 200)}"
        if not self.suggestions:
            return f"{missing}; `{safe('/td attempt <id>', 40)}` shows its tasks."
        names = " or ".join(safe(name, 200) for name in self.suggestions)
        return f"{missing}; did you mean {names}?"


def plan_retry(
    attempt: Attempt,
    overrides: Sequence[tuple[str, str]],
    from_task: str | None = None,
    tasks: Sequence[Task] = (),
) -> RetryPlan | NoSuchTask:
    start: str | None = None
    if from_task is not None:
        found = find_task(tasks, from_task, attempt.workflow.name)
        if isinstance(found, NoSuchTask):
            return found
        start = found.full_name
    params = dict(attempt.params)
    changes = []
    for key, text in overrides:
        had = key in params
        value = _typed(params.get(key), text)
        if not had or params[key] != value or type(params[key]) is not type(value):
            changes.append(ParamChange(key, params.get(key), value, text, had))
        params[key] = value
    return RetryPlan(attempt, start, params, tuple(changes))


def _typed(old: Any, text: str) -> Any:
    """`false`, `3` or `0.5` for a param that was a bool or a number keeps its JSON type;
    anything else is sent as the string typed."""
    if isinstance(old, str) or old is None:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if type(value) is type(old) else text


def find_task(tasks: Sequence[Task], wanted: str, workflow: str) -> Task | NoSuchTask:
    """The task of that full name; `+task` also finds `+<workflow>+task`."""
    by_name = {t.full_name: t for t in tasks}
    for name in (wanted, f"+{workflow}{wanted}"):
        if name in by_name:
            return by_name[name]
    folded = {name.casefold(): name for name in by_name if _GENERATED not in name}
    for name in (wanted, f"+{workflow}{wanted}"):
        if name.casefold() in folded:
            return by_name[folded[name.casefold()]]
    prefix = f"+{workflow}".casefold()
    qualified = wanted if wanted.casefold().startswith(prefix) else f"+{workflow}{wanted}"
    close = difflib.get_close_matches(
        qualified.casefold(), list(folded), n=_SUGGESTIONS, cutoff=0.6
    )
    return NoSuchTask(wanted, tuple(folded[c] for c in close))
