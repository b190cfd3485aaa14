"""An app's rendered objects made ready to apply: checked, labelled, unique.

Shared by the applier and the ``--live`` preview, so a dry run sends exactly what a deploy
would (labels included; otherwise every preview would show sbkube-ci's labels removed).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import APP_LABEL, CLUSTER_LABEL, FIELD_MANAGER, MANAGED_BY_LABEL, ObjectRef


def labelled_objects(
    objects: Sequence[dict[str, Any]], *, app: str, cluster: str
) -> list[dict[str, Any]]:
    """Copies of ``objects`` with sbkube-ci's labels; refuses incomplete or repeated objects."""
    labelled = [_labelled(obj, app, cluster, index) for index, obj in enumerate(objects)]
    _check_unique(labelled, app)
    return labelled


def _labelled(obj: dict[str, Any], app: str, cluster: str, index: int) -> dict[str, Any]:
    for required in ("apiVersion", "kind"):
        if not obj.get(required):
            raise DeployError(f"app {app}: object #{index + 1} has no {required}")
    if not (obj.get("metadata") or {}).get("name"):
        raise DeployError(f"app {app}: {obj['kind']} object #{index + 1} has no metadata.name")
    labelled = copy.deepcopy(obj)
    labels = labelled["metadata"].setdefault("labels", {}) or {}
    labels.update({MANAGED_BY_LABEL: FIELD_MANAGER, APP_LABEL: app, CLUSTER_LABEL: cluster})
    labelled["metadata"]["labels"] = labels
    return labelled


def _check_unique(objects: Sequence[dict[str, Any]], app: str) -> None:
    """Refuse an app that defines one object twice: the second would silently win."""
    seen: set[ObjectRef] = set()
    for obj in objects:
        ref = ObjectRef.of(obj)
        if ref in seen:
            raise DeployError(f"app {app}: {ref} appears twice in the manifests; keep one")
        seen.add(ref)


def crd_scopes(objects: Sequence[dict[str, Any]]) -> dict[tuple[str, str], bool]:
    """(apiVersion, kind) -> namespaced, for the custom kinds the app's own CRDs define."""
    scopes: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        spec = obj.get("spec") or {}
        kind = (spec.get("names") or {}).get("kind", "")
        for version in spec.get("versions") or []:
            api_version = f"{spec.get('group')}/{version.get('name')}"
            scopes[(api_version, kind)] = spec.get("scope") == "Namespaced"
    return scopes
