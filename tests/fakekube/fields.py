"""Field ownership for server-side apply, simplified: every list is one atomic field.

A real server merges some lists by key (containers by name); here a list is owned and replaced
as a whole, which is enough to reproduce apply conflicts, removals and managedFields.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from tests.fakekube.status import ApiError

Path = tuple[str, ...]

# Fields the server owns; a client never becomes their manager.
_SERVER_FIELDS: frozenset[Path] = frozenset(
    {
        ("apiVersion",),
        ("kind",),
        ("metadata", "name"),
        ("metadata", "namespace"),
        ("metadata", "uid"),
        ("metadata", "resourceVersion"),
        ("metadata", "generation"),
        ("metadata", "creationTimestamp"),
        ("metadata", "managedFields"),
        ("status",),
    }
)


def leaf_paths(obj: dict[str, Any], prefix: Path = ()) -> dict[Path, Any]:
    """Every leaf (scalar, list or empty map) of ``obj`` by path, server fields left out."""
    leaves: dict[Path, Any] = {}
    for key, value in obj.items():
        path = (*prefix, key)
        if path in _SERVER_FIELDS:
            continue
        if isinstance(value, dict) and value:
            leaves.update(leaf_paths(value, path))
        else:
            leaves[path] = value
    return leaves


def get_path(obj: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def set_path(obj: dict[str, Any], path: Path, value: Any) -> None:
    for key in path[:-1]:
        if not isinstance(obj.get(key), dict):
            obj[key] = {}
        obj = obj[key]
    obj[path[-1]] = copy.deepcopy(value)


def delete_path(obj: dict[str, Any], path: Path) -> None:
    """Remove a leaf and the maps it leaves empty."""
    parents = [obj]
    for key in path[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            return
        parents.append(child)
    parents[-1].pop(path[-1], None)
    for depth in range(len(path) - 2, -1, -1):
        if not parents[depth + 1]:
            parents[depth].pop(path[depth], None)


def format_path(path: Path) -> str:
    return "".join(f".{key}" for key in path)


def _overlaps(a: Path, b: Path) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for key in path:
            node = node.setdefault(f"f:{key}", {})
    return tree


@dataclass
class Manager:
    name: str
    operation: str  # "Apply" or "Update", as in metadata.managedFields
    api_version: str
    time: str
    fields: set[Path] = field(default_factory=set)

    def entry(self) -> dict[str, Any]:
        return {
            "manager": self.name,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": fields_v1(self.fields),
        }


def managed_fields(managers: list[Manager]) -> list[dict[str, Any]]:
    return [m.entry() for m in managers if m.fields]


def _find(managers: list[Manager], name: str, operation: str) -> Manager | None:
    return next((m for m in managers if (m.name, m.operation) == (name, operation)), None)


def apply(
    live: dict[str, Any],
    managers: list[Manager],
    applier: Manager,
    body: dict[str, Any],
    *,
    force: bool,
) -> dict[str, Any]:
    """Merge ``body`` into ``live`` as ``applier``; update ``managers`` in place."""
    applied = leaf_paths(body)
    others = [m for m in managers if m.name != applier.name]
    conflicts = sorted(
        (path, other.name)
        for path, value in applied.items()
        for other in others
        for owned in other.fields
        if _overlaps(path, owned) and get_path(live, path) != value
    )
    if conflicts and not force:
        raise _conflict_error(conflicts, applier.api_version)
    for path, name in conflicts:
        for other in others:
            if other.name == name:
                other.fields = {p for p in other.fields if not _overlaps(p, path)}
    previous = _find(managers, applier.name, "Apply")
    merged = copy.deepcopy(live)
    owned_by_others = {p for m in others for p in m.fields}
    for path in (previous.fields if previous else set()) - set(applied):
        if path not in owned_by_others:
            delete_path(merged, path)
    for path, value in applied.items():
        set_path(merged, path, value)
    if previous:
        managers.remove(previous)
    applier.fields = set(applied)
    managers.append(applier)
    return merged


def update(
    live: dict[str, Any], new: dict[str, Any], managers: list[Manager], updater: Manager
) -> None:
    """Record an Update (create, replace, merge patch): changed fields move to ``updater``."""
    before, after = leaf_paths(live), leaf_paths(new)
    changed = {p for p, v in after.items() if before.get(p, _MISSING) != v}
    removed = set(before) - set(after)
    for manager in managers:
        manager.fields = {
            p for p in manager.fields if not any(_overlaps(p, c) for c in changed | removed)
        }
    existing = _find(managers, updater.name, "Update")
    if existing is None:
        managers.append(updater)
        existing = updater
    existing.fields |= changed
    existing.time = updater.time
    managers[:] = [m for m in managers if m.fields]


_MISSING = object()


def _conflict_error(conflicts: list[tuple[Path, str]], api_version: str) -> ApiError:
    lines = [
        f'conflict with "{name}" using {api_version}: {format_path(path)}'
        for path, name in conflicts
    ]
    count = len(lines)
    noun = "conflict" if count == 1 else "conflicts"
    message = f"Apply failed with {count} {noun}: " + "\n".join(lines)
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f'conflict with "{name}" using {api_version}',
            "field": format_path(path),
        }
        for path, name in conflicts
    ]
    return ApiError(409, "Conflict", message, {"causes": causes})
