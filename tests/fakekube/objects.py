"""Checks and metadata the server applies to every object it stores."""

from __future__ import annotations

import base64
import copy
import secrets
from typing import Any

from tests.fakekube.resources import ResourceType, now_rfc3339
from tests.fakekube.status import bad_request, invalid, stale


def check_body(
    rtype: ResourceType, namespace: str | None, body: Any, url_name: str | None
) -> dict[str, Any]:
    """Reject a body a real server would refuse before it gets to validation."""
    if not isinstance(body, dict):
        raise bad_request("the body of the request was in an unknown format")
    if body.get("apiVersion") != rtype.api_version or body.get("kind") != rtype.kind:
        raise bad_request(
            f"the API version in the data ({body.get('apiVersion')}) and kind "
            f"({body.get('kind')}) do not match the expected {rtype.api_version} {rtype.kind}"
        )
    body = copy.deepcopy(body)
    metadata = body.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise bad_request("metadata must be an object")
    if not metadata.get("name") and metadata.get("generateName") and url_name is None:
        metadata["name"] = metadata["generateName"] + secrets.token_hex(3)[:5]
    if not metadata.get("name") and url_name is None:
        raise invalid(
            rtype.kind,
            rtype.group,
            "",
            [("metadata.name", "Required value: name or generateName is required")],
        )
    if url_name is not None and metadata.setdefault("name", url_name) != url_name:
        raise bad_request(
            f"the name of the object ({metadata['name']}) does not match the name on the URL "
            f"({url_name})"
        )
    body_ns = metadata.get("namespace")
    if rtype.namespaced:
        if body_ns and body_ns != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    return body


def content(obj: dict[str, Any]) -> dict[str, Any]:
    """What ``generation`` counts: everything but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def apply_defaults(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """The defaults readiness logic relies on; a real server sets many more."""
    if rtype.kind in ("Deployment", "StatefulSet") and not rtype.custom:
        obj.setdefault("spec", {}).setdefault("replicas", 1)
    if rtype.kind == "Namespace" and not rtype.custom:
        obj.setdefault("status", {"phase": "Active"})
    if rtype.kind == "Secret" and not rtype.custom and isinstance(obj.get("stringData"), dict):
        # stringData is write-only: the API server merges it, base64-encoded, into data.
        plain = obj.pop("stringData")
        encoded = {k: base64.b64encode(str(v).encode()).decode() for k, v in plain.items()}
        obj["data"] = {**(obj.get("data") or {}), **encoded}


def stamp(
    rtype: ResourceType,
    new: dict[str, Any],
    old: dict[str, Any] | None,
    resource_version: int,
) -> None:
    """Set uid, creationTimestamp, generation and resourceVersion as the server owns them."""
    metadata = new["metadata"]
    for key in ("uid", "creationTimestamp", "resourceVersion", "generation", "managedFields"):
        metadata.pop(key, None)
    tracks_generation = rtype.has_status or rtype.custom
    if old is None:
        metadata["uid"] = secrets.token_hex(16)
        metadata["creationTimestamp"] = now_rfc3339()
        if tracks_generation:
            metadata["generation"] = 1
    else:
        for key in ("uid", "creationTimestamp", "generation"):
            if key in old["metadata"]:
                metadata[key] = old["metadata"][key]
        if tracks_generation and content(new) != content(old):
            metadata["generation"] = old["metadata"].get("generation", 0) + 1
    metadata["resourceVersion"] = str(resource_version)


def check_resource_version(rtype: ResourceType, body: dict[str, Any], live: dict[str, Any]) -> None:
    """409 when the client sent a resourceVersion that is no longer current."""
    sent = body.get("metadata", {}).get("resourceVersion")
    if sent and sent != live["metadata"]["resourceVersion"]:
        raise stale(rtype.plural, rtype.group, live["metadata"]["name"])


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: maps merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def scope_to(
    subresource: str, rtype: ResourceType, live: dict[str, Any], new: dict[str, Any]
) -> dict[str, Any]:
    """A status write changes only status; a main write never changes status."""
    if not rtype.has_status:
        return new
    if subresource == "status":
        return {**copy.deepcopy(live), "status": copy.deepcopy(new.get("status"))}
    return {**new, "status": copy.deepcopy(live.get("status"))}


def same(live: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a write would store nothing new (so resourceVersion must not move)."""

    def clean(obj: dict[str, Any]) -> dict[str, Any]:
        skip = ("resourceVersion", "managedFields")
        return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k not in skip}}

    return clean(live) == clean(new)
