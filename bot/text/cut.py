"""Head-and-tail cutting that never breaks an entity or a surrogate pair."""

from __future__ import annotations

DEFAULT_MARKER = " … [{dropped} characters cut] … "
ELLIPSIS = "…"
_ENTITIES = ("&amp;", "&lt;", "&gt;")
_LONGEST_ENTITY = max(len(e) for e in _ENTITIES)


def check_limit(limit: int) -> None:
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise TypeError(f"limit must be an int, got {limit!r}")
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")


def _entity_around(s: str, i: int) -> tuple[int, int] | None:
    """The (start, end) of an escape entity that a cut at index `i` would split."""
    start = s.rfind("&", max(0, i - _LONGEST_ENTITY + 1), i)
    if start < 0:
        return None
    for entity in _ENTITIES:
        end = start + len(entity)
        if end > i and s.startswith(entity, start):
            return start, end
    return None


def _is_pair(s: str, i: int) -> bool:
    """Whether index `i` falls between the two halves of a surrogate pair."""
    return 0 < i < len(s) and "\ud800" <= s[i - 1] <= "\udbff" and "\udc00" <= s[i] <= "\udfff"


def _head_end(s: str, i: int) -> int:
    entity = _entity_around(s, i)
    if entity is not None:
        i = entity[0]
    return i - 1 if _is_pair(s, i) else i


def _tail_start(s: str, i: int) -> int:
    entity = _entity_around(s, i)
    if entity is not None:
        i = entity[1]
    return i + 1 if _is_pair(s, i) else i


def cut(s: str, limit: int, *, marker: str = DEFAULT_MARKER) -> str:
    """At most `limit` characters of `s`: its head and tail around a marker.

    `{dropped}` in the marker becomes the number of characters left out. When
    the marker itself does not fit, the head is kept with a trailing ellipsis.
    Text that already fits is returned unchanged, so cutting twice is cutting once.
    """
    check_limit(limit)
    if len(s) <= limit:
        return s
    # Sized for the most that could be dropped, so the real marker is never longer;
    # then widened while the real (shorter) marker leaves room.
    budget = limit - len(marker.replace("{dropped}", str(len(s))))
    if budget < 0:
        if limit == 0:
            return ""
        return s[: _head_end(s, limit - len(ELLIPSIS))] + ELLIPSIS
    best = _around(s, budget, marker)
    for extra in range(1, len(str(len(s))) + 1):
        wider = _around(s, budget + extra, marker)
        if len(wider) > limit:
            break
        best = wider
    return best


def _around(s: str, budget: int, marker: str) -> str:
    head = _head_end(s, budget - budget // 2)
    tail = _tail_start(s, len(s) - budget // 2)
    return s[:head] + marker.replace("{dropped}", str(tail - head)) + s[tail:]
