"""Objects made comparable: identity, server-managed fields stripped, list order noise removed.

Kubernetes treats some lists as maps keyed by a field (strategic merge keys): reordering
containers or env entries in a chart changes nothing on the cluster, so those lists are sorted
by their key before diffing. Lists whose order matters (tolerations, rules, args) keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import yaml

from sbkube_ci.diff.ignore import CompiledRule, apply_rules
from sbkube_ci.errors import RenderError

SERVER_METADATA = (
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
)
SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "ports": ("containerPort", "port"),  # container ports, then service ports
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "imagePullSecrets": ("name",),
}
HOOK_ANNOTATION = "helm.sh/hook"

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class ObjectKey(NamedTuple):
    """What identifies an object across versions: the version of its API may change."""

    group: str
    kind: str
    namespace: str
    name: str


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    group, _, version = api_version.rpartition("/")
    return group, version


def object_key(obj: Any, *, where: str = "manifest") -> ObjectKey:
    """The identity of ``obj``; an object without kind or name is a ``RenderError``."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(meta, dict) or not obj.get("kind") or not meta.get("name"):
        raise RenderError(
            f"{where}: an object has no kind or metadata.name; every rendered document must be "
            "a Kubernetes object (check the chart templates or the manifest files)"
        )
    group, _ = split_api_version(str(obj.get("apiVersion", "")))
    return ObjectKey(group, str(obj["kind"]), str(meta.get("namespace") or ""), str(meta["name"]))


def hook_of(obj: dict[str, Any]) -> str | None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    hook = annotations.get(HOOK_ANNOTATION) if isinstance(annotations, dict) else None
    return str(hook) if hook else None


def normalize(obj: dict[str, Any], rules: Sequence[CompiledRule] = ()) -> dict[str, Any]:
    """A copy of ``obj`` without server-managed fields, ignored fields or list order noise."""
    copy: dict[str, Any] = _sorted_copy(obj)
    copy.pop("status", None)
    meta = copy.get("metadata")
    if isinstance(meta, dict):
        for field in SERVER_METADATA:
            meta.pop(field, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            for name in SERVER_ANNOTATIONS:
                annotations.pop(name, None)
            if not annotations:
                del meta["annotations"]
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
