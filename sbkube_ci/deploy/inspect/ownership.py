"""Comparing what sbkube-ci applied with a live object, and who owns each differing field.

The applied object is compared as a subset of the live one: the server adds defaults (a
container's ``imagePullPolicy``) that were never applied and are not drift. Lists of maps are
matched by their merge key (containers by ``name``, ports by ``containerPort``), as server-side
apply merges them; other lists are compared whole.

Ownership is read from ``metadata.managedFields`` (FieldsV1: ``f:<field>``, ``k:{<merge
key>}`` for list items, ``.`` for the map itself; an empty node owns the whole value).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sbkube_ci.k8s import ITEM_MERGE_KEYS

Segment = str | int | tuple[str, Any]  # map key, list index, or (merge key, value)


@dataclass(frozen=True)
class Difference:
    path: tuple[Segment, ...]
    applied: Any
    live: Any  # None: absent live

    @property
    def dotted(self) -> str:
        return format_path(self.path)


def format_path(path: tuple[Segment, ...]) -> str:
    """``spec.template.spec.containers[name=main].image``."""
    text = ""
    for segment in path:
        if isinstance(segment, tuple):
            text += f"[{segment[0]}={segment[1]}]"
        elif isinstance(segment, int):
            text += f"[{segment}]"
        else:
            text += f".{segment}" if text else segment
    return text


def differences(applied: Any, live: Any, path: tuple[Segment, ...] = ()) -> Iterator[Difference]:
    """Where ``live`` does not contain ``applied``: changed or removed values."""
    if isinstance(applied, dict) and isinstance(live, dict):
        for key, value in applied.items():
            if key not in live:
                if not is_zero(value):
                    yield Difference((*path, key), value, None)
            else:
                yield from differences(value, live[key], (*path, key))
    elif isinstance(applied, list) and isinstance(live, list):
        yield from _list_differences(applied, live, path)
    elif applied != live:
        yield Difference(path, applied, live)


def is_zero(value: Any) -> bool:
    """Whether ``value`` is what the API server leaves out (Go's ``omitempty`` zero values).

    Manifests often spell out ``readOnly: false``, ``annotations: {}`` or ``foo: null``; the
    server stores none of them, and their absence is not a change.
    """
    if isinstance(value, dict):
        return all(is_zero(v) for v in value.values())
    return value is None or value in ("", False, 0) or value == []


def _list_differences(
    applied: list[Any], live: list[Any], path: tuple[Segment, ...]
) -> Iterator[Difference]:
    key = _merge_key(applied)
    if key is not None and all(isinstance(item, dict) for item in live):
        by_key = {item.get(key): item for item in live}
        for item in applied:
            segment = (key, item[key])
            if item[key] not in by_key:
                yield Difference((*path, segment), item, None)
            else:
                yield from differences(item, by_key[item[key]], (*path, segment))
    elif len(applied) == len(live) and all(isinstance(item, dict) for item in applied):
        for index, (mine, theirs) in enumerate(zip(applied, live, strict=True)):
            yield from differences(mine, theirs, (*path, index))
    elif applied != live:
        yield Difference(path, applied, live)


def _merge_key(items: list[Any]) -> str | None:
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_MERGE_KEYS:
        values = [item.get(key) for item in items]
        scalar = all(v is not None and not isinstance(v, dict | list) for v in values)
        if scalar and len(set(map(str, values))) == len(values):
            return key
    return None


def owners(managed_fields: list[dict[str, Any]], path: tuple[Segment, ...]) -> list[str]:
    """The field managers that own ``path`` (or a whole value containing it)."""
    found = []
    for entry in managed_fields:
        tree = entry.get("fieldsV1")
        if isinstance(tree, dict) and _owns(tree, path):
            name = str(entry.get("manager", "?"))
            if name not in found:
                found.append(name)
    return found


def _owns(node: dict[str, Any], path: tuple[Segment, ...]) -> bool:
    for segment in path:
        child = _child(node, segment)
        if child is None:
            return not node  # an empty node owns its whole value (atomic maps and lists)
        node = child
    return True


def _child(node: dict[str, Any], segment: Segment) -> dict[str, Any] | None:
    if isinstance(segment, str):
        found = node.get(f"f:{segment}")
        return found if isinstance(found, dict) else None
    if isinstance(segment, int):
        found = node.get(f"i:{segment}")
        return found if isinstance(found, dict) else None
    key, value = segment
    for name, child in node.items():
        if not name.startswith("k:") or not isinstance(child, dict):
            continue
        try:
            identity = json.loads(name[2:])
        except ValueError:
            continue
        if isinstance(identity, dict) and str(identity.get(key)) == str(value):
            return child
    return None
