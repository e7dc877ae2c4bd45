"""A workflow's task tree, compiled from its ``.dig`` config: the shape attempts follow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class TaskNode:
    """One task of a compiled workflow definition (the .dig as a tree)."""

    full_name: str
    path: tuple[str, ...]  # below the root: ("load", "orders") is +wf+load+orders
    config: dict[str, Any]  # the task's own keys, subtasks removed
    children: tuple[TaskNode, ...] = ()
    parallel: bool = False
    operator: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "operator", operator_of(self.config))

    @property
    def is_group(self) -> bool:
        return bool(self.children)

    def walk(self) -> Iterator[TaskNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def operator_of(config: dict[str, Any]) -> str | None:
    """The operator key of a task config (``td>``), None for a pure group."""
    return next((k for k in config if k.endswith(">") and not k.startswith("_")), None)


def compile_tree(workflow: str, config: dict[str, Any]) -> TaskNode:
    """Digdag's view of a .dig: every ``+name`` key is a task, the rest is config."""
    return _compile(f"+{workflow}", (), config)


def _compile(full_name: str, path: tuple[str, ...], config: dict[str, Any]) -> TaskNode:
    own = {k: v for k, v in config.items() if not k.startswith("+")}
    children = tuple(
        _compile(f"{full_name}{key}", (*path, key[1:]), value)
        for key, value in config.items()
        if key.startswith("+") and isinstance(value, dict)
    )
    return TaskNode(full_name, path, own, children, bool(own.get("_parallel")))


def with_leaf(root: TaskNode, path: tuple[str, ...], config: dict[str, Any]) -> TaskNode:
    """``root`` with a leaf at ``path`` (groups made as needed, an existing task kept).

    An element ``a^b`` is a generated task (``if>``'s ``^sub``, ``_error``'s ``^error``):
    it hangs below task ``a`` and its full name is ``<a's full name>^b``.
    """
    if not path:
        raise ValueError("a task path needs at least one element")
    return _with_leaf(root, path, 0, config)


def _with_leaf(
    node: TaskNode, path: tuple[str, ...], depth: int, config: dict[str, Any]
) -> TaskNode:
    element = path[depth]
    last = depth == len(path) - 1
    own = config if last else {}
    base, caret, suffix = element.partition("^")
    if caret and not base:
        # Generated right below this node: the workflow's ``^sla^fail``, a ``^error``.
        child = _child(node, (*node.path, element), f"{node.full_name}{element}", own)
        if not last:
            child = _with_leaf(child, path, depth + 1, config)
    elif caret:
        host = _child(node, (*node.path, base), f"{node.full_name}+{base}", {})
        generated = _child(host, (*node.path, element), f"{host.full_name}^{suffix}", own)
        if not last:
            generated = _with_leaf(generated, path, depth + 1, config)
        child = replace(host, children=_put(host.children, generated))
    else:
        child = _child(node, (*node.path, element), f"{node.full_name}+{element}", own)
        if not last:
            child = _with_leaf(child, path, depth + 1, config)
    return replace(node, children=_put(node.children, child))


def _child(
    node: TaskNode, path: tuple[str, ...], full_name: str, config: dict[str, Any]
) -> TaskNode:
    found = next((c for c in node.children if c.path == path), None)
    return found or TaskNode(full_name, path, config)


def _put(children: tuple[TaskNode, ...], node: TaskNode) -> tuple[TaskNode, ...]:
    if any(c.path == node.path for c in children):
        return tuple(node if c.path == node.path else c for c in children)
    return (*children, node)
