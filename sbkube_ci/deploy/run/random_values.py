"""Fields a chart renders at random keep their deployed values (apply mode).

A chart that generates a password when none is given renders a new one every time. Applied
as rendered, every deploy of the app would rotate it, while the database that stored the first
one keeps it. The plan names those fields (``random_fields``, found by the ``random-render``
check); before an apply each takes the value the deployed snapshot holds for it, so it changes
only when a value pins it, or on the object's first deploy. Charts do the same with ``lookup``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from sbkube_ci.diff.ignore import field_rules
from sbkube_ci.k8s import ObjectRef
from sbkube_ci.plan_model import RandomFieldRef

Objects = list[dict[str, Any]]
_MISSING = object()


def keep_deployed(
    objects: Objects, deployed: Iterable[dict[str, Any]], fields: Sequence[RandomFieldRef]
) -> tuple[Objects, int]:
    """``objects`` with each random field set to its value in ``deployed``; how many were kept.

    A field is kept only where the same object (apiVersion, kind, namespace, name) was deployed
    with a value at the same path; a new object, or a field new in the chart, keeps its render.
    """
    old = {ObjectRef.of(obj): obj for obj in deployed}
    rules = field_rules(fields)  # the plan's random fields, matched as the diff leaves them out
    kept = 0
    result = copy.deepcopy(objects)
    for obj in result:
        previous = old.get(ObjectRef.of(obj))
        if previous is None:
            continue
        for rule in rules:
            if not rule.matches(obj):
                continue
            value = _get(previous, rule.path)
            if value is not _MISSING and _set(obj, rule.path, value):
                kept += 1
    return result, kept


def _get(node: Any, path: Sequence[str | int]) -> Any:
    for segment in path:
        node = _child(node, segment)
        if node is _MISSING:
            return _MISSING
    return copy.deepcopy(node)


def _set(node: Any, path: Sequence[str | int], value: Any) -> bool:
    """Replace the value at ``path``, which must exist; whether it changed."""
    *parents, last = path
    for segment in parents:
        node = _child(node, segment)
        if node is _MISSING:
            return False
    current = _child(node, last)
    if current is _MISSING or current == value:
        return False
    node[last] = value
    return True


def _child(node: Any, segment: str | int) -> Any:
    if isinstance(segment, int) and isinstance(node, list) and 0 <= segment < len(node):
        return node[segment]
    if isinstance(segment, str) and isinstance(node, dict) and segment in node:
        return node[segment]
    return _MISSING
