"""From a request and its target to a store call: query options, body decoding, patch types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from tests.fakekube.resources import ResourceType
from tests.fakekube.status import ApiError, bad_request
from tests.fakekube.store import ObjectStore, Write

_APPLY = "application/apply-patch+yaml"
_MERGE = ("application/merge-patch+json", "application/strategic-merge-patch+json")


@dataclass(frozen=True)
class Target:
    """What a resource URL addresses."""

    rtype: ResourceType
    namespace: str | None
    name: str | None
    subresource: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    user_agent: str
    body: bytes


def _write_options(verb: str, request: Request) -> Write:
    dry_run = request.query.get("dryRun")
    if dry_run not in (None, "All"):
        raise bad_request(f'Invalid value: "{dry_run}": supported values: "All"')
    manager = request.query.get("fieldManager") or request.user_agent.split("/")[0] or "unknown"
    is_apply = verb == "patch" and request.content_type == _APPLY
    if is_apply and not request.query.get("fieldManager"):
        raise ApiError(422, "Invalid", "fieldManager: Required value: is required for apply patch")
    force = request.query.get("force")
    if force is not None and not is_apply:
        raise ApiError(422, "Invalid", "force: Forbidden: may not be specified for non-apply patch")
    # Go's strconv.ParseBool spellings, which the API server accepts for force.
    return Write(manager, dry_run == "All", force in ("1", "t", "T", "true", "True", "TRUE"))


def _decode(request: Request) -> Any:
    try:
        if request.content_type == _APPLY:
            return yaml.safe_load(request.body)
        return json.loads(request.body)
    except (ValueError, yaml.YAMLError) as exc:
        raise bad_request(f"the body of the request could not be decoded: {exc}") from exc


def dispatch(
    store: ObjectStore, verb: str, target: Target, request: Request
) -> tuple[int, dict[str, Any]]:
    rtype, ns, name = target.rtype, target.namespace, target.name or ""
    if verb == "list":
        if request.query.get("watch") in ("1", "true", "True"):
            # Better a clear refusal than a list where the client expects an event stream.
            raise bad_request("watch is not supported by the fake API server")
        return 200, store.list(rtype, ns, request.query.get("labelSelector"))
    if verb == "get":
        return 200, store.get(rtype, ns, name)
    write = _write_options(verb, request)
    if verb == "delete":
        return 200, store.delete(rtype, ns, name, write)
    body = _decode(request)
    if verb == "create":
        return 201, store.create(rtype, ns, body, write)
    if verb == "update":
        return 200, store.replace(rtype, ns, name, body, write, subresource=target.subresource)
    return _patch(store, target, request, body, write)


def _patch(
    store: ObjectStore, target: Target, request: Request, body: Any, write: Write
) -> tuple[int, dict[str, Any]]:
    rtype, ns, name = target.rtype, target.namespace, target.name or ""
    if request.content_type == _APPLY and not target.subresource:
        obj, created = store.apply(rtype, ns, name, body, write)
        return (201 if created else 200), obj
    if request.content_type in _MERGE:
        if rtype.custom and "strategic" in request.content_type:
            # Custom resources have no patch strategy, so a real server refuses this type.
            raise _unsupported(request.content_type)
        return 200, store.merge_patch(rtype, ns, name, body, write, subresource=target.subresource)
    raise _unsupported(request.content_type)


def _unsupported(content_type: str) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/merge-patch+json, application/apply-patch+yaml (got {content_type})",
    )
