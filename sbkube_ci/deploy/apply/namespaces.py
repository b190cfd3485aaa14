"""An app's namespace, created before its deploy when it is missing (as SBKube does).

A namespace sbkube-ci creates carries its labels (``managed-by: sbkube-ci``, the app that
needed it first) and goes into that app's inventory, so the state records it. Prune deletes
it only when no app uses it any more: never while objects of the deploy are in it, nor while
another app of the cluster deploys there (``keep``). A dry run creates nothing; the namespaces
it would create are remembered for the whole run, so an app whose namespace another app of
the same run creates is reported as "created by this deploy", not as failing.
"""

from __future__ import annotations

import threading
from collections.abc import Collection

from sbkube_ci.deploy.apply.result import ObjectOutcome, ObjectResult
from sbkube_ci.deploy.kube.errors import errors_as_deploy_error
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import APP_LABEL, CLUSTER_LABEL, FIELD_MANAGER, MANAGED_BY_LABEL, ObjectRef


def namespace_ref(name: str) -> ObjectRef:
    return ObjectRef("v1", "Namespace", None, name)


class Namespaces:
    """Creates missing app namespaces on one cluster; shared by the apps of one run."""

    def __init__(self, live: LiveObjects, *, cluster: str) -> None:
        self._live = live
        self._cluster = cluster
        self._lock = threading.Lock()
        self._pending: set[str] = set()  # a dry run would create these

    def pending(self, name: str | None) -> bool:
        """Whether a dry run of this run would have created namespace ``name``."""
        with self._lock:
            return name in self._pending

    def add_pending(self, name: str) -> None:
        with self._lock:
            self._pending.add(name)

    def exists(self, name: str) -> None:
        """Namespace ``name`` was seen live: objects in it can be dry-run."""
        with self._lock:
            self._pending.discard(name)

    def ensure(self, app: str, name: str, *, dry_run: bool) -> ObjectResult | None:
        """Create namespace ``name`` for ``app`` when missing; the result is for the inventory.

        None when the namespace exists and sbkube-ci did not create it for ``app`` (then it is
        not the app's to record or prune).
        """
        ref = namespace_ref(name)
        resource = self._live.client.resource("v1", "Namespace")
        live = self._live.get(ref, resource)
        if live is not None:
            self.exists(name)
            labels = (live.get("metadata") or {}).get("labels") or {}
            ours = labels.get(MANAGED_BY_LABEL) == FIELD_MANAGER and labels.get(APP_LABEL) == app
            return ObjectResult(ref, ObjectOutcome.UNCHANGED) if ours else None
        if dry_run:
            self.add_pending(name)
            return ObjectResult(ref, ObjectOutcome.CREATED, note="namespace created for the app")
        labels = {MANAGED_BY_LABEL: FIELD_MANAGER, APP_LABEL: app, CLUSTER_LABEL: self._cluster}
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        body["metadata"]["labels"] = labels  # type: ignore[index]
        with errors_as_deploy_error(self._live.operation("patch", ref, resource)):
            self._live.client.dynamic.server_side_apply(
                resource, body=body, name=name, field_manager=FIELD_MANAGER
            )
        return ObjectResult(ref, ObjectOutcome.CREATED, note="namespace created for the app")

    def hand_over(self, name: str, *, from_app: str, to_app: str) -> bool:
        """Relabel namespace ``name`` created for ``from_app`` as ``to_app``'s, which uses it.

        The next deploy of ``to_app`` then records it, so it is pruned once unused instead of
        staying behind in no app's inventory. False when it is not ``from_app``'s.
        """
        ref = namespace_ref(name)
        resource = self._live.client.resource("v1", "Namespace")
        live = self._live.get(ref, resource)
        labels = ((live or {}).get("metadata") or {}).get("labels") or {}
        if labels.get(MANAGED_BY_LABEL) != FIELD_MANAGER or labels.get(APP_LABEL) != from_app:
            return False
        patch = {"metadata": {"labels": {APP_LABEL: to_app}}}
        with errors_as_deploy_error(self._live.operation("patch", ref, resource)):
            resource.patch(body=patch, name=name, content_type="application/merge-patch+json")
        return True


def kept_namespaces(gone: Collection[ObjectRef], protected: Collection[str]) -> list[ObjectResult]:
    """Results for the namespaces prune must keep: ``protected`` ones still in use."""
    return [
        ObjectResult(ref, ObjectOutcome.KEPT, note=f"namespace {ref.name} is still used by an app")
        for ref in gone
        if ref.kind == "Namespace" and ref.api_version == "v1" and ref.name in protected
    ]
