"""What a new attempt takes from an old one: the tasks a resumed attempt copies as done,
and compiled ``_error`` blocks re-rooted under their group."""

from __future__ import annotations

from bot.sandbox.model import Attempt, Task
from bot.sandbox.tree import TaskNode


def resumable(source: Attempt, keep_from: int | None) -> dict[str, Task]:
    """Tasks a resumed attempt copies as done: every success (mode failed), or only
    the successes before the ``from`` task outside its ancestry (mode from)."""
    kept = [t for t in source.tasks if t.state == "success"]
    if keep_from is not None:
        start = next(t for t in source.tasks if t.id == keep_from)
        ancestors = set()
        parent = start.parent
        while parent is not None:
            ancestors.add(parent.id)
            parent = parent.parent
        kept = [t for t in kept if t.id < keep_from and t.id not in ancestors]
    return {t.full_name: t for t in kept}


def renamed(node: TaskNode, full_name: str) -> TaskNode:
    """A compiled ``_error`` block re-rooted at ``<group>^error``."""
    prefix = node.full_name
    return TaskNode(
        full_name,
        ("^error",),
        node.config,
        tuple(renamed(c, full_name + c.full_name[len(prefix) :]) for c in node.children),
        node.parallel,
    )
