"""The shared object builders preset as the diff scenarios render them: namespace ``shop``."""

from __future__ import annotations

from typing import Any

from tests.support import objects
from tests.support.objects import b64, object_schema

__all__ = ["b64", "config_map", "crd", "deployment", "hook_job", "secret", "service"]

SHOP = "shop"


def deployment(
    name: str = "api",
    *,
    namespace: str = SHOP,
    image: str = "ghcr.io/acme/api:1.4.0",
    **options: Any,
) -> dict[str, Any]:
    http = {"containerPort": 8080, "name": "http"}
    labels = {"app": name}
    return objects.deployment(
        name,
        namespace=namespace,
        image=image,
        labels=labels,
        container=name,
        ports=[http],
        **options,
    )


def service(name: str = "api", namespace: str = SHOP, port: int = 80) -> dict[str, Any]:
    ports = [{"name": "http", "port": port, "targetPort": "http"}]
    return objects.service(name, namespace=namespace, ports=ports)


def config_map(name: str, namespace: str = SHOP, **data: str) -> dict[str, Any]:
    return objects.config_map(name, namespace=namespace, **data)


def secret(name: str, namespace: str = SHOP, **options: Any) -> dict[str, Any]:
    return objects.secret(name, namespace=namespace, **options)


def crd() -> dict[str, Any]:
    schema = object_schema(
        cronSpec={"type": "string"}, image={"type": "string"}, replicas={"type": "integer"}
    )
    return objects.crd("CronTab", "stable.example.com", schema=schema)


def hook_job(name: str = "migrate", namespace: str = SHOP, image: str = "api:1") -> dict[str, Any]:
    container = {"name": "migrate", "image": image, "args": ["migrate"]}
    return objects.hook_job(
        name, namespace=namespace, weight="-5", container=container, restart_policy="Never"
    )
