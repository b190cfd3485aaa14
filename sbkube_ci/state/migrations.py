"""Reading state documents: refuse what is corrupt or foreign, migrate what is old.

``MIGRATIONS[n]`` turns a version-n document into a version-n+1 one. A document without
``schema_version`` is version 0: the prototype's layout (``apps.<name>.rev``, ``digest``,
``objects`` as ``apiVersion/kind/namespace/name`` strings). Migrations run on read; the
migrated document is written back only by the next update, with the usual CAS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from sbkube_ci.errors import StateError
from sbkube_ci.state.models import SCHEMA_VERSION, StateDocument

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _object_ref(text: str) -> dict[str, Any]:
    # v0 wrote "apps/v1/Deployment/web/api"; the group may contain no "/" (core: "v1").
    parts = text.split("/")
    if len(parts) < 4:
        raise ValueError(f"inventory entry {text!r} is not apiVersion/kind/namespace/name")
    name, namespace, kind = parts[-1], parts[-2], parts[-3]
    return {
        "apiVersion": "/".join(parts[:-3]),
        "kind": kind,
        "namespace": namespace or None,
        "name": name,
    }


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    apps = {}
    for name, app in (data.get("apps") or {}).items():
        apps[name] = {
            "revision": int(app.get("rev", 0)),
            "render_digest": app.get("digest", ""),
            "inventory": [_object_ref(o) for o in app.get("objects", [])],
            "commit": app.get("commit", ""),
            "actor": app.get("by", ""),
            "deployed_at": app.get("at", ""),
            "snapshot": app.get("snapshot", ""),
        }
    return {
        "schema_version": 1,
        "cluster": data["cluster"],
        "revision": int(data.get("serial", 0)),
        "updated_at": data.get("updated", ""),
        "apps": apps,
    }


MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}


def parse_state(raw: bytes, where: str, cluster: str) -> StateDocument:
    """The state document in ``raw``; StateError if it is corrupt, foreign or from the future."""
    refuse = f"{where}: refusing to use it and leaving it untouched"
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(
            f"{refuse}: not JSON ({exc}); restore it from the store's history"
        ) from exc
    if not isinstance(data, dict):
        raise StateError(f"{refuse}: not a JSON object; restore it from the store's history")
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or version < 0 or version > SCHEMA_VERSION:
        raise StateError(
            f"{refuse}: schema_version {version!r} is unknown to this sbkube-ci "
            f"(knows 0..{SCHEMA_VERSION}); upgrade sbkube-ci or check the state location"
        )
    try:
        while version < SCHEMA_VERSION:
            data = MIGRATIONS[version](data)
            version += 1
        document = StateDocument.model_validate(data)
    except (KeyError, ValueError, TypeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise StateError(f"{refuse}: not a valid state document ({first})") from exc
    if document.cluster != cluster:
        raise StateError(f"{refuse}: it belongs to cluster {document.cluster!r}, not {cluster!r}")
    return document
