"""Builders of Kubernetes objects as a chart or a person writes them, for every test folder.

The defaults are the plain form (no namespace, one ``main`` container); options add what a
test needs. ``tests/diff/objects.py`` presets them as the diff scenarios render them.
"""

from __future__ import annotations

import base64
from typing import Any


def _metadata(name: str, namespace: str | None, **fields: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata.update({key: value for key, value in fields.items() if value is not None})
    return metadata


def b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def namespace(name: str = "shop") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def config_map(
    name: str = "settings", *, namespace: str | None = None, **data: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(name, namespace),
        "data": dict(data),
    }


def secret(
    name: str = "db",
    *,
    namespace: str | None = None,
    data: dict[str, str] | None = None,
    string_data: dict[str, str] | None = None,
    opaque: bool = True,
) -> dict[str, Any]:
    """A Secret; ``data`` is given in clear and stored base64-encoded, as the API keeps it."""
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(name, namespace),
    }
    if opaque:
        obj["type"] = "Opaque"
    if data is not None:
        obj["data"] = {key: b64(value) for key, value in data.items()}
    if string_data is not None:
        obj["stringData"] = dict(string_data)
    return obj


def deployment(
    name: str = "api",
    *,
    namespace: str | None = None,
    image: str = "nginx:1.27",
    replicas: int = 2,
    labels: dict[str, str] | None = None,
    container: str = "main",
    ports: list[dict[str, Any]] | None = None,
    env: dict[str, str] | None = None,
    api_version: str = "apps/v1",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": container, "image": image}
    if ports:
        spec["ports"] = ports
    if env:
        spec["env"] = [{"name": key, "value": value} for key, value in env.items()]
    return {
        "apiVersion": api_version,
        "kind": "Deployment",
        "metadata": _metadata(name, namespace, labels=labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [spec]},
            },
        },
    }


def service(
    name: str = "api",
    *,
    namespace: str | None = None,
    ports: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, namespace),
        "spec": {"selector": {"app": name}, "ports": ports or [{"port": 80}]},
    }


def hook_job(
    name: str = "migrate",
    hook: str = "pre-upgrade",
    *,
    namespace: str | None = None,
    weight: str | None = None,
    policy: str | None = None,
    container: dict[str, Any] | None = None,
    restart_policy: str | None = None,
    backoff_limit: int | None = None,
) -> dict[str, Any]:
    """A Job with Helm hook annotations (``helm.sh/hook``, weight, delete policy)."""
    annotations = {"helm.sh/hook": hook}
    if weight is not None:
        annotations["helm.sh/hook-weight"] = weight
    if policy is not None:
        annotations["helm.sh/hook-delete-policy"] = policy
    pod: dict[str, Any] = {} if restart_policy is None else {"restartPolicy": restart_policy}
    pod["containers"] = [container or {"name": "j", "image": "busybox"}]
    spec: dict[str, Any] = {} if backoff_limit is None else {"backoffLimit": backoff_limit}
    spec["template"] = {"spec": pod}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(name, namespace, annotations=annotations),
        "spec": spec,
    }


def crd(
    kind: str = "Widget",
    group: str = "example.com",
    *,
    schema: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A namespaced CustomResourceDefinition serving ``v1``; ``schema``: its openAPIV3Schema."""
    plural = kind.lower() + "s"
    version: dict[str, Any] = {"name": "v1", "served": True, "storage": True}
    if schema is not None:
        version["schema"] = {"openAPIV3Schema": schema}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [version],
        },
    }


def object_schema(**properties: dict[str, Any]) -> dict[str, Any]:
    """An openAPIV3Schema for a custom resource whose ``spec`` has ``properties``."""
    spec = {"type": "object", "properties": properties}
    return {"type": "object", "properties": {"spec": spec}}


def custom_resource(
    kind: str = "Widget", name: str = "w1", group: str = "example.com"
) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": kind, "metadata": {"name": name}}
