"""``sbkube-ci status``: how the live cluster differs from what sbkube-ci last deployed.

For each app the recorded inventory and snapshot (the objects as applied) are compared with
the live objects: objects that are gone, fields changed by another field manager (``kubectl
edit``, an operator, a ``kubectl apply --server-side --force-conflicts``), and workloads that
are not ready. Fields whose live value differs but which sbkube-ci still owns are the server's
normalization (``cpu: 1000m`` stored as ``1``), not drift; without managedFields every
differing value is reported.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sbkube_ci.deploy.apply import readiness
from sbkube_ci.deploy.inspect.ownership import differences, owners
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.errors import UnknownKindError
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import FIELD_MANAGER, ObjectRef, strip_server_fields

MASKED = "<masked>"


@dataclass(frozen=True)
class FieldChange:
    path: str  # spec.template.spec.containers[name=main].image
    applied: Any
    live: Any  # None: removed
    manager: str | None  # who owns the live field; None: nobody (removed) or unknown

    def describe(self) -> str:
        by = f" by {self.manager}" if self.manager else ""
        if self.live is None:
            return f"{self.path} removed{by}"
        return f"{self.path}: {self.applied!r} -> {self.live!r}{by}"


@dataclass(frozen=True)
class ModifiedObject:
    ref: ObjectRef
    fields: list[FieldChange]

    @property
    def managers(self) -> list[str]:
        return sorted({f.manager for f in self.fields if f.manager})


@dataclass(frozen=True)
class UnhealthyObject:
    ref: ObjectRef
    reason: str


@dataclass
class AppDrift:
    app: str
    missing: list[ObjectRef] = field(default_factory=list)
    modified: list[ModifiedObject] = field(default_factory=list)
    unhealthy: list[UnhealthyObject] = field(default_factory=list)

    @property
    def has_drift(self) -> bool:
        """Objects missing or changed outside sbkube-ci (unhealthy alone is not drift)."""
        return bool(self.missing or self.modified)

    @property
    def clean(self) -> bool:
        return not (self.has_drift or self.unhealthy)


@dataclass
class DriftReport:
    cluster: str
    apps: list[AppDrift] = field(default_factory=list)

    @property
    def has_drift(self) -> bool:
        return any(app.has_drift for app in self.apps)

    @property
    def has_unhealthy(self) -> bool:
        return any(app.unhealthy for app in self.apps)

    def app(self, name: str) -> AppDrift:
        return next(a for a in self.apps if a.app == name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``status --json`` and notifications)."""
        return {
            "cluster": self.cluster,
            "has_drift": self.has_drift,
            "apps": {
                app.app: {
                    "missing": [str(ref) for ref in app.missing],
                    "modified": {
                        str(m.ref): [f.describe() for f in m.fields] for m in app.modified
                    },
                    "unhealthy": {str(u.ref): u.reason for u in app.unhealthy},
                }
                for app in self.apps
            },
        }


@dataclass(frozen=True)
class DeployedApp:
    """What the state records for an app: its inventory and the objects as applied."""

    inventory: Sequence[ObjectRef]
    snapshot: Sequence[dict[str, Any]]
    field_manager: str | None = None  # who applies it: sbkube-ci (default), or helm


def detect_drift(
    client: KubeClient,
    cluster: str,
    apps: Mapping[str, DeployedApp],
    *,
    field_manager: str = FIELD_MANAGER,
) -> DriftReport:
    """Compare every app's recorded objects with the live cluster, apps in name order."""
    live = LiveObjects(client)
    report = DriftReport(cluster)
    for name in sorted(apps):
        deployed = apps[name]
        report.apps.append(
            _app_drift(live, name, deployed, deployed.field_manager or field_manager)
        )
    return report


def _app_drift(live: LiveObjects, app: str, deployed: DeployedApp, manager: str) -> AppDrift:
    drift = AppDrift(app)
    snapshot = _by_identity(deployed.snapshot)
    for ref in sorted(deployed.inventory, key=ObjectRef.key):
        try:
            resource = live.client.resource(ref.api_version, ref.kind)
        except UnknownKindError:
            drift.missing.append(ref)  # its CRD was removed, and the object with it
            continue
        obj = live.get(ref, resource)
        if obj is None:
            drift.missing.append(ref)
            continue
        applied = snapshot.get(_identity(ref)) or snapshot.get(_identity(ref, namespaced=False))
        if applied is not None and (changes := modified_fields(applied, obj, manager)):
            drift.modified.append(ModifiedObject(ref, changes))
        state = readiness.check(obj)
        if not state.ready:
            drift.unhealthy.append(UnhealthyObject(ref, state.reason))
    return drift


def modified_fields(
    applied: dict[str, Any], live: dict[str, Any], field_manager: str = FIELD_MANAGER
) -> list[FieldChange]:
    """Fields of ``applied`` whose live value differs and that ``field_manager`` no longer owns."""
    managed = (live.get("metadata") or {}).get("managedFields") or []
    secret = applied.get("kind") == "Secret"
    changes = []
    for difference in differences(_comparable(applied), live):
        path = difference.path
        field_owners = owners(managed, path) if managed else []
        if field_manager in field_owners:
            continue  # still ours: the server normalized the value, nobody changed it
        masked = secret and path[0] in ("data", "stringData")
        changes.append(
            FieldChange(
                difference.dotted,
                MASKED if masked else difference.applied,
                None if difference.live is None else MASKED if masked else difference.live,
                field_owners[0] if field_owners else None,
            )
        )
    return changes


def _comparable(applied: dict[str, Any]) -> dict[str, Any]:
    """The applied object without identity and server fields; Secret stringData as data."""
    obj = copy.deepcopy(strip_server_fields(applied))
    # More than the server fields: the namespace is identity, matched before comparing.
    (obj.get("metadata") or {}).pop("namespace", None)
    if obj.get("kind") == "Secret" and isinstance(obj.get("stringData"), dict):
        # The API stores stringData base64-encoded in data; it never reads back.
        encoded = {
            k: base64.b64encode(str(v).encode()).decode() for k, v in obj["stringData"].items()
        }
        obj["data"] = {**(obj.get("data") or {}), **encoded}
    return obj


def _identity(ref: ObjectRef, *, namespaced: bool = True) -> tuple[str, str, str | None, str]:
    return (ref.api_version, ref.kind, ref.namespace if namespaced else None, ref.name)


def _by_identity(
    objects: Sequence[dict[str, Any]],
) -> dict[tuple[str, str, str | None, str], dict[str, Any]]:
    # Rendered objects may name no namespace (the app's is filled in at apply time).
    return {_identity(ObjectRef.of(obj)): obj for obj in objects}
