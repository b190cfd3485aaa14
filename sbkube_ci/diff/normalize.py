"""Objects made comparable: identity, server-managed fields stripped, list order noise removed.

Kubernetes treats some lists as maps keyed by a field (strategic merge keys): reordering
containers or env entries in a chart changes nothing on the cluster, so those lists are sorted
by their key before diffing. Lists whose order matters (tolerations, rules, args) keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from sbkube_ci.diff.ignore import CompiledRule, apply_rules
from sbkube_ci.errors import RenderError
from sbkube_ci.k8s import MERGE_KEYS, ObjectKey, strip_server_fields

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def object_key(obj: Any, *, where: str = "manifest") -> ObjectKey:
    """The identity of ``obj``; an object without kind or name is a ``RenderError``."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(meta, dict) or not obj.get("kind") or not meta.get("name"):
        raise RenderError(
            f"{where}: an object has no kind or metadata.name; every rendered document must be "
            "a Kubernetes object (check the chart templates or the manifest files)"
        )
    return ObjectKey.of(obj)


def normalize_for_diff(obj: dict[str, Any], rules: Sequence[CompiledRule] = ()) -> dict[str, Any]:
    """A copy of ``obj`` without server-managed fields, ignored fields or list order noise."""
    copy: dict[str, Any] = _sorted_copy(strip_server_fields(obj))
    apply_rules(copy, rules)
    return copy


def _sorted_copy(node: Any, parent_key: str | None = None) -> Any:
    if isinstance(node, dict):
        return {k: _sorted_copy(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [_sorted_copy(v) for v in node]
        field = _merge_field(items, MERGE_KEYS.get(parent_key or "", ()))
        if field:
            items.sort(key=lambda item: (_order(item[field]), _order(item.get("protocol"))))
        return items
    return node


def _merge_field(items: list[Any], candidates: tuple[str, ...]) -> str | None:
    """The merge key every item has, if the list is one of Kubernetes' keyed lists."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for field in candidates:
        if all(isinstance(i.get(field), str | int) for i in items):
            return field
    return None


def _order(value: Any) -> tuple[int, int, str]:
    # Numbers sort numerically and before strings, so port 80 comes before 443.
    if isinstance(value, int):
        return (0, value, "")
    return (1, 0, "" if value is None else str(value))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line values (config files in ConfigMaps) as literal blocks: a diff then shows the
    # changed line of the file instead of one long escaped string.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _BlockDumper(_Dumper):  # type: ignore[misc, valid-type]
    pass


_BlockDumper.add_representer(str, _represent_str)


def to_yaml(obj: Any) -> str:
    """Stable YAML for diffs: sorted keys, block style, no line wrapping."""
    return yaml.dump(
        obj,
        Dumper=_BlockDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )
