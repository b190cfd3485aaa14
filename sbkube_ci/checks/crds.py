"""CRDs rendered in the project, as schemas for the custom resources other apps render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sbkube_ci.checks.openapi import OpenApiValidator, Schema
from sbkube_ci.checks.schemas import Gvk

CRD_API = "apiextensions.k8s.io/v1"


def is_crd(obj: dict[str, Any]) -> bool:
    return obj.get("kind") == "CustomResourceDefinition"


def crd_schemas(objects: Iterable[dict[str, Any]]) -> dict[Gvk, Schema]:
    """The ``openAPIV3Schema`` of every served version of every v1 CRD in ``objects``."""
    found: dict[Gvk, Schema] = {}
    for obj in objects:
        if not is_crd(obj) or obj.get("apiVersion") != CRD_API:
            continue
        spec = obj.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        group = str(spec.get("group", ""))
        kind = str((spec.get("names") or {}).get("kind", ""))
        for version in spec.get("versions") or []:
            if not isinstance(version, dict) or version.get("served") is False:
                continue
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if isinstance(schema, dict):
                found[Gvk(group, str(version.get("name", "")), kind)] = schema
    return found


def _no_refs(ref: str) -> Schema:
    raise ValueError(f"a CRD schema cannot use $ref ({ref})")


def crd_validator() -> OpenApiValidator:
    """A validator for CRD schemas: no $ref (structural schemas forbid it), unknown fields
    are dropped by the API server unless a schema preserves them."""
    return OpenApiValidator(_no_refs, prune_unknown=True)
