"""How checks name the objects they report on, the same way the diff does."""

from __future__ import annotations

from typing import Any


def title(obj: dict[str, Any]) -> str:
    """``Kind namespace/name`` (``Kind.group`` for custom groups), as the plan's diff titles."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name, namespace = str(meta.get("name", "")), str(meta.get("namespace", "") or "")
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    kind = str(obj.get("kind", ""))
    if "." in group and not group.endswith(".k8s.io"):
        kind = f"{kind}.{group}"
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


_TEMPLATE = ("spec", "template", "spec")
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    **dict.fromkeys(
        ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"),
        _TEMPLATE,
    ),
}


def pod_spec(obj: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The pod spec of a Pod or a workload's pod template, and its path, if it has one."""
    keys = POD_SPEC_PATHS.get(str(obj.get("kind")))
    if keys is None:
        return None
    found = _dig(obj, *keys)
    return (".".join(keys), found) if isinstance(found, dict) else None


def containers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path relative to the pod spec, container) for init, regular and ephemeral containers."""
    found = []
    for field in ("initContainers", "containers", "ephemeralContainers"):
        items = spec.get(field)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                found.append((f"{field}[{index}]", item))
    return found


def _dig(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node
