"""What a deploy would change, asked of the cluster itself: ``plan --live``.

Each rendered object is sent as a server-side apply with ``dryRun=All`` under sbkube-ci's
field manager, so defaulting, admission and field ownership are the server's; the answer is
paired with the live object, both without the fields the server manages. Objects of the
previous inventory that are no longer rendered are listed as deletions (prune).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sbkube_ci import k8s
from sbkube_ci.deploy.apply.objects import crd_scopes, labelled_objects
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.errors import UnknownKindError, errors_as_deploy_error
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import APP_LABEL, FIELD_MANAGER, MANAGED_BY_LABEL, ObjectRef


class Change(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"


@dataclass(frozen=True)
class PreviewItem:
    """One object: live and desired state (server fields removed); None where absent."""

    ref: ObjectRef
    live: dict[str, Any] | None
    desired: dict[str, Any] | None  # the dry-run answer; None: would be pruned
    validated: bool = True  # False: the server could not be asked (namespace/CRD not there yet)
    note: str = ""

    @property
    def change(self) -> Change:
        if self.desired is None:
            return Change.DELETE
        if self.live is None:
            return Change.CREATE
        return Change.UNCHANGED if self.live == self.desired else Change.UPDATE


@dataclass
class AppPreview:
    app: str
    items: list[PreviewItem] = field(default_factory=list)

    def pairs(self) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
        """(live, desired) per object, for the diff engine."""
        return [(item.live, item.desired) for item in self.items]

    def changed(self) -> list[PreviewItem]:
        return [item for item in self.items if item.change is not Change.UNCHANGED]


class Previewer:
    """Dry-run applies against one cluster; one per run, shared across apps."""

    def __init__(
        self,
        client: KubeClient,
        *,
        cluster: str,
        field_manager: str = FIELD_MANAGER,
        created_namespaces: Collection[str] = (),
    ) -> None:
        """``created_namespaces``: what the deploy creates (app namespaces, Namespace objects)."""
        self._client = client
        self._live = LiveObjects(client)
        self._cluster = cluster
        self._field_manager = field_manager
        self._created_namespaces = frozenset(created_namespaces)

    def preview_app(
        self,
        app: str,
        objects: Sequence[dict[str, Any]],
        previous_inventory: Sequence[ObjectRef],
        *,
        namespace: str = "default",
        force_conflicts: bool = False,
    ) -> AppPreview:
        """What deploying ``objects`` for ``app`` would do; nothing is written."""
        labelled = labelled_objects(objects, app=app, cluster=self._cluster)
        run = _Run(app, namespace, force_conflicts, crd_scopes(labelled))
        preview = AppPreview(app)
        for obj in sorted(labelled, key=lambda o: ObjectRef.of(o).key()):
            preview.items.append(self._preview_one(obj, run))
        rendered = {item.ref for item in preview.items}
        # The app's namespace stays while the deploy puts objects in it (as prune keeps it).
        used = {item.ref.namespace for item in preview.items if item.ref.namespace}
        gone = [
            ref
            for ref in previous_inventory
            if ref not in rendered and not (ref.kind == "Namespace" and ref.name in used)
        ]
        for ref in sorted(gone, key=ObjectRef.key):
            item = self._pruned(ref, app)
            if item is not None:
                preview.items.append(item)
        return preview

    def _preview_one(self, obj: dict[str, Any], run: _Run) -> PreviewItem:
        resource, namespaced = self._resource(obj, run)
        metadata = obj["metadata"]
        if namespaced:
            metadata["namespace"] = metadata.get("namespace") or run.namespace
        elif resource is not None:
            metadata.pop("namespace", None)
        ref = ObjectRef.of(obj)
        if resource is None:
            note = f"its kind {ref.kind} ({ref.api_version}) is not served by the cluster yet"
            return PreviewItem(ref, None, k8s.strip_server_fields(obj), False, note)
        live = self._live.get(ref, resource)
        live = k8s.strip_server_fields(live) if live is not None else None
        if k8s.hook_of(obj):
            note = "helm hook: created and run during the deploy, not dry-run"
            return PreviewItem(ref, live, k8s.strip_server_fields(obj), False, note)
        if ref.namespace and (note := self._namespace_missing(ref.namespace, run)):
            return PreviewItem(ref, None, k8s.strip_server_fields(obj), False, note)
        answer = self._dry_run(obj, ref, resource, run)
        if live is None and ref.kind == "Namespace" and ref.api_version == "v1":
            run.pending_namespaces.add(ref.name)
        return PreviewItem(ref, live, k8s.strip_server_fields(answer))

    def _resource(self, obj: dict[str, Any], run: _Run) -> tuple[Any | None, bool]:
        """The API resource (None: kind not served) and whether the object is namespaced."""
        api_version, kind = obj["apiVersion"], obj["kind"]
        try:
            resource = self._client.resource(api_version, kind)
        except UnknownKindError:
            # The app's own CRDs say the scope; for other unknown kinds keep what was written.
            scope = run.crd_scopes.get((api_version, kind))
            return None, scope if scope is not None else bool(obj["metadata"].get("namespace"))
        return resource, bool(resource.namespaced)

    def _namespace_missing(self, name: str, run: _Run) -> str:
        """Why objects in namespace ``name`` cannot be dry-run ("" when they can)."""
        if name in run.pending_namespaces:
            return f"namespace {name} is created by this deploy"
        if name not in run.namespaces:
            ref = ObjectRef("v1", "Namespace", None, name)
            resource = self._client.resource("v1", "Namespace")
            run.namespaces[name] = self._live.get(ref, resource) is not None
        if run.namespaces[name]:
            return ""
        if name in self._created_namespaces or name == run.namespace:
            return f"namespace {name} is created by this deploy"
        return f"namespace {name} does not exist and nothing in this deploy creates it"

    def _dry_run(
        self, obj: dict[str, Any], ref: ObjectRef, resource: Any, run: _Run
    ) -> dict[str, Any]:
        try:
            with errors_as_deploy_error(self._live.operation("patch", ref, resource)):
                answer: dict[str, Any] = self._client.dynamic.server_side_apply(
                    resource,
                    body=obj,
                    name=ref.name,
                    namespace=ref.namespace,
                    field_manager=self._field_manager,
                    force_conflicts=True if run.force else None,
                    dry_run="All",
                ).to_dict()
        except DeployError as exc:
            raise DeployError(f"app {run.app}: dry run: {exc}") from exc
        return answer

    def _pruned(self, ref: ObjectRef, app: str) -> PreviewItem | None:
        """The live object a deploy would prune, or None (gone, or not labelled as ours)."""
        try:
            resource = self._client.resource(ref.api_version, ref.kind)
        except UnknownKindError:
            return None
        live = self._live.get(ref, resource)
        if live is None:
            return None
        labels = (live.get("metadata") or {}).get("labels") or {}
        if labels.get(MANAGED_BY_LABEL) != FIELD_MANAGER or labels.get(APP_LABEL) != app:
            return None  # prune keeps objects relabelled by someone else
        return PreviewItem(
            ref, k8s.strip_server_fields(live), None, note="pruned: no longer rendered"
        )


@dataclass
class _Run:
    app: str
    namespace: str
    force: bool
    crd_scopes: dict[tuple[str, str], bool]
    namespaces: dict[str, bool] = field(default_factory=dict)
    pending_namespaces: set[str] = field(default_factory=set)
