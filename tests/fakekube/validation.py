"""The subset of API server validation the fake enforces (422 Invalid with field causes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.fakekube.resources import ResourceType
from tests.fakekube.status import invalid

Causes = list[tuple[str, str]]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Kinds whose names must be DNS-1123 labels rather than subdomains.
_LABEL_NAMED = {"Namespace", "Service"}
# RBAC kinds take any path segment (cert-manager's Role "x-startupapicheck:create-cert").
_PATH_SEGMENT_NAMED = {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}


def _name_causes(kind: str, name: str) -> Causes:
    if kind in _PATH_SEGMENT_NAMED:
        ok = name not in (".", "..") and not set(name) & {"/", "%"}
        rule = "may not contain '/' or '%' or be '.' or '..'"
    elif kind in _LABEL_NAMED:
        ok = len(name) <= 63 and bool(_LABEL.match(name))
        rule = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters"
    else:
        ok = len(name) <= 253 and bool(_SUBDOMAIN.match(name))
        rule = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"
    return [] if ok else [("metadata.name", f'Invalid value: "{name}": {rule}')]


def _workload(obj: dict[str, Any]) -> Causes:
    spec = obj.get("spec") or {}
    selector = (spec.get("selector") or {}).get("matchLabels")
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not spec.get("selector"):
        return [("spec.selector", "Required value")]
    if not spec.get("template"):
        return [("spec.template", "Required value")]
    if selector and any(template_labels.get(k) != v for k, v in selector.items()):
        return [
            (
                "spec.template.metadata.labels",
                f"Invalid value: {template_labels}: `selector` does not match template `labels`",
            )
        ]
    replicas = spec.get("replicas", 0)
    if not isinstance(replicas, int) or replicas < 0:
        return [("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")]
    return []


def _job(obj: dict[str, Any]) -> Causes:
    template = (obj.get("spec") or {}).get("template")
    return [] if template else [("spec.template", "Required value")]


def _config_map(obj: dict[str, Any]) -> Causes:
    data = obj.get("data") or {}
    return [
        (f"data[{key}]", f"Invalid value: {value!r}: must be a string")
        for key, value in data.items()
        if not isinstance(value, str)
    ]


def _service(obj: dict[str, Any]) -> Causes:
    spec = obj.get("spec") or {}
    if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
        return []
    return [] if spec.get("ports") else [("spec.ports", "Required value")]


def _crd(obj: dict[str, Any]) -> Causes:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    causes: Causes = []
    for field in ("group", "scope", "versions"):
        if not spec.get(field):
            causes.append((f"spec.{field}", "Required value"))
    for field in ("plural", "kind"):
        if not names.get(field):
            causes.append((f"spec.names.{field}", "Required value"))
    if spec.get("scope") not in (None, "Namespaced", "Cluster"):
        causes.append(("spec.scope", f'Unsupported value: "{spec["scope"]}"'))
    expected = f"{names.get('plural')}.{spec.get('group')}"
    if not causes and obj["metadata"]["name"] != expected:
        causes.append(
            (
                "metadata.name",
                f'Invalid value: "{obj["metadata"]["name"]}": '
                'must be spec.names.plural+"."+spec.group',
            )
        )
    return causes


_KIND_RULES: dict[str, Callable[[dict[str, Any]], Causes]] = {
    "Deployment": _workload,
    "StatefulSet": _workload,
    "DaemonSet": _workload,
    "Job": _job,
    "ConfigMap": _config_map,
    "Service": _service,
    "CustomResourceDefinition": _crd,
}


def validate(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """Raise the server's 422 for an object it would not store."""
    name = obj["metadata"]["name"]
    causes = _name_causes(rtype.kind, name)
    rule = None if rtype.custom else _KIND_RULES.get(rtype.kind)
    if rule is not None:
        causes += rule(obj)
    labels = obj["metadata"].get("labels") or {}
    causes += [
        (f"metadata.labels[{key}]", f"Invalid value: {value!r}: must be a string")
        for key, value in labels.items()
        if not isinstance(value, str)
    ]
    if causes:
        raise invalid(rtype.kind, rtype.group, name, causes)
