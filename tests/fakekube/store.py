"""The fake cluster's state: objects by type, namespace and name, with API server semantics."""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakekube import controllers, fields, objects
from tests.fakekube.resources import (
    ResourceType,
    TypeRegistry,
    crd_status,
    crd_types,
    now_rfc3339,
)
from tests.fakekube.selectors import parse as parse_selector
from tests.fakekube.status import already_exists, bad_request, not_found
from tests.fakekube.validation import validate

Key = tuple[str, str, str, str]  # group, plural, namespace ("" when cluster-scoped), name
_CRD_GROUP = "apiextensions.k8s.io"
_CONTROLLER = "fake-controller"


@dataclass
class Stored:
    rtype: ResourceType
    obj: dict[str, Any]
    managers: list[fields.Manager] = field(default_factory=list)


@dataclass(frozen=True)
class Write:
    """Who writes and how: the query parameters every write request carries."""

    manager: str
    dry_run: bool = False
    force: bool = False


class ObjectStore:
    """Thread-safe object storage; every method answers as the API server would."""

    def __init__(self, registry: TypeRegistry, crd_established_delay: float = 0.0) -> None:
        self.registry = registry
        self.crd_established_delay = crd_established_delay
        self._lock = threading.RLock()
        self._objects: dict[Key, Stored] = {}
        self._revision = 0
        self._pending_crds: dict[str, float] = {}  # CRD name -> when it becomes Established
        # When set, workloads report themselves rolled out (and Jobs complete) right after
        # each write, as controllers of a healthy cluster soon would.
        self.auto_ready = False

    # -- reads -------------------------------------------------------------------------------

    def get(self, rtype: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        with self._lock:
            self._settle_crds()
            return self._render(self._existing(rtype, namespace, name), rtype)

    def list(
        self, rtype: ResourceType, namespace: str | None, selector: str | None
    ) -> dict[str, Any]:
        matches = parse_selector(selector) if selector else None
        with self._lock:
            self._settle_crds()
            items = [
                self._render(stored, rtype, in_list=True)
                for (group, plural, ns, _), stored in sorted(self._objects.items())
                if (group, plural) == (rtype.group, rtype.plural)
                and (namespace is None or ns == namespace)
                and (matches is None or matches(stored.obj["metadata"].get("labels") or {}))
            ]
            return {
                "kind": f"{rtype.kind}List",
                "apiVersion": rtype.api_version,
                "metadata": {"resourceVersion": str(self._revision)},
                "items": items,
            }

    def find(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The stored object of ``kind`` (any group), for test assertions."""
        with self._lock:
            self._settle_crds()
            for (_, _, ns, obj_name), stored in self._objects.items():
                if (stored.rtype.kind, ns or None, obj_name) == (kind, namespace, name):
                    return self._render(stored, stored.rtype)
            return None

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            self._settle_crds()
            return [self._render(s, s.rtype) for _, s in sorted(self._objects.items())]

    # -- writes ------------------------------------------------------------------------------

    def create(
        self, rtype: ResourceType, namespace: str | None, body: Any, write: Write
    ) -> dict[str, Any]:
        obj = objects.check_body(rtype, namespace, body, None)
        with self._lock:
            self._require_namespace(rtype, namespace)
            key = self._key(rtype, namespace, obj["metadata"]["name"])
            if key in self._objects:
                raise already_exists(rtype.plural, rtype.group, obj["metadata"]["name"])
            if rtype.has_status:
                obj.pop("status", None)
            managers: list[fields.Manager] = []
            fields.update({}, obj, managers, self._manager(write, "Update", rtype))
            return self._store(key, Stored(rtype, obj, managers), None, write)

    def replace(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        write: Write,
        *,
        subresource: str = "",
    ) -> dict[str, Any]:
        obj = objects.check_body(rtype, namespace, body, name)
        with self._lock:
            live = self._existing(rtype, namespace, name)
            objects.check_resource_version(rtype, obj, live.obj)
            key = self._key(rtype, namespace, name)
            return self._update(rtype, key, live, obj, write, subresource=subresource)

    def merge_patch(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        patch: Any,
        write: Write,
        *,
        subresource: str = "",
    ) -> dict[str, Any]:
        if not isinstance(patch, dict):
            raise bad_request("a merge patch must be a JSON object")
        with self._lock:
            live = self._existing(rtype, namespace, name)
            merged = objects.merge_patch(self._render(live, rtype), patch)
            obj = objects.check_body(rtype, namespace, merged, name)
            objects.check_resource_version(rtype, patch, live.obj)
            key = self._key(rtype, namespace, name)
            return self._update(rtype, key, live, obj, write, subresource=subresource)

    def apply(
        self, rtype: ResourceType, namespace: str | None, name: str, body: Any, write: Write
    ) -> tuple[dict[str, Any], bool]:
        """Server-side apply; returns the object and whether it was created."""
        obj = objects.check_body(rtype, namespace, body, name)
        with self._lock:
            self._require_namespace(rtype, namespace)
            key = self._key(rtype, namespace, name)
            live = self._objects.get(key)
            if live is not None:
                objects.check_resource_version(rtype, obj, live.obj)
            base = live.obj if live else {"metadata": dict(obj["metadata"])}
            managers = copy.deepcopy(live.managers) if live else []
            merged = fields.apply(
                base, managers, self._manager(write, "Apply", rtype), obj, force=write.force
            )
            merged.update(apiVersion=rtype.api_version, kind=rtype.kind)
            if (
                live
                and objects.same(live.obj, merged)
                and _ownership(managers) == _ownership(live.managers)
            ):
                return self._render(live, rtype), False
            return self._store(key, Stored(rtype, merged, managers), live, write), live is None

    def delete(
        self, rtype: ResourceType, namespace: str | None, name: str, write: Write
    ) -> dict[str, Any]:
        with self._lock:
            live = self._existing(rtype, namespace, name)
            answer = self._render(live, rtype)
            if not write.dry_run:
                self._remove(self._key(rtype, namespace, name), live)
            return answer

    def set_status(
        self, kind: str, namespace: str | None, name: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        """Replace an object's status as its controller would (bumps resourceVersion)."""
        with self._lock:
            for key, stored in self._objects.items():
                if (stored.rtype.kind, key[2] or None, key[3]) == (kind, namespace, name):
                    obj = copy.deepcopy(stored.obj)
                    obj["status"] = copy.deepcopy(status)
                    new = Stored(stored.rtype, obj, stored.managers)
                    return self._store(key, new, stored, Write(_CONTROLLER))
            raise not_found(kind.lower() + "s", "", name)

    # -- internals ---------------------------------------------------------------------------

    def _key(self, rtype: ResourceType, namespace: str | None, name: str) -> Key:
        return (rtype.group, rtype.plural, namespace or "", name)

    def _existing(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored:
        stored = self._objects.get(self._key(rtype, namespace, name))
        if stored is None:
            raise not_found(rtype.plural, rtype.group, name)
        return stored

    def _require_namespace(self, rtype: ResourceType, namespace: str | None) -> None:
        if rtype.namespaced and ("", "namespaces", "", namespace) not in self._objects:
            raise not_found("namespaces", "", namespace or "")

    def _manager(self, write: Write, operation: str, rtype: ResourceType) -> fields.Manager:
        return fields.Manager(write.manager, operation, rtype.api_version, now_rfc3339())

    def _update(
        self,
        rtype: ResourceType,
        key: Key,
        live: Stored,
        obj: dict[str, Any],
        write: Write,
        *,
        subresource: str,
    ) -> dict[str, Any]:
        """Store ``obj`` over ``live`` as an Update (PUT, merge PATCH) by ``write.manager``;
        a ``status`` subresource write changes only the status, a main write all but it."""
        obj = objects.scope_to(subresource, rtype, live.obj, obj)
        managers = copy.deepcopy(live.managers)
        fields.update(live.obj, obj, managers, self._manager(write, "Update", rtype))
        return self._store(key, Stored(rtype, obj, managers), live, write)

    def _store(self, key: Key, new: Stored, old: Stored | None, write: Write) -> dict[str, Any]:
        rtype = new.rtype
        new.obj.update(apiVersion=rtype.api_version, kind=rtype.kind)
        objects.apply_defaults(rtype, new.obj)
        if new.obj.get("status") is None:
            new.obj.pop("status", None)
        validate(rtype, new.obj)
        objects.stamp(rtype, new.obj, old.obj if old else None, self._revision + 1)
        if write.dry_run:
            return self._render(new, rtype)
        self._revision += 1
        self._objects[key] = new
        if rtype.group == _CRD_GROUP and rtype.kind == "CustomResourceDefinition":
            self._register_crd(new.obj, old.obj if old else None)
        answer = self._render(new, rtype)
        status = controllers.rolled_out(rtype, new.obj) if self.auto_ready else None
        if status is not None and write.manager != _CONTROLLER:
            obj = {**copy.deepcopy(new.obj), "status": status}
            self._store(key, Stored(rtype, obj, new.managers), new, Write(_CONTROLLER))
        return answer

    def _remove(self, key: Key, stored: Stored) -> None:
        del self._objects[key]
        self._revision += 1
        kind = stored.rtype.kind
        if kind == "Namespace" and not stored.rtype.custom:
            # A real server terminates the namespace's content asynchronously; at once is enough.
            for other in [k for k in self._objects if k[2] == key[3]]:
                del self._objects[other]
        if kind == "CustomResourceDefinition" and stored.rtype.group == _CRD_GROUP:
            spec = stored.obj["spec"]
            self.registry.remove_custom(spec["group"], spec["names"]["plural"])
            for other in [
                k for k in self._objects if (k[0], k[1]) == (spec["group"], spec["names"]["plural"])
            ]:
                del self._objects[other]

    def _register_crd(self, crd: dict[str, Any], old: dict[str, Any] | None) -> None:
        if old is not None:
            # An update keeps an Established CRD established; only new versions appear.
            if old.get("spec") != crd.get("spec"):
                self.registry.add_custom(crd_types(crd), time.monotonic())
            return
        ready_at = time.monotonic() + self.crd_established_delay
        self.registry.add_custom(crd_types(crd), ready_at)
        self._pending_crds[crd["metadata"]["name"]] = ready_at
        crd["status"] = crd_status(crd, established=False)

    def _settle_crds(self) -> None:
        """Mark CRDs Established once their delay has passed, as the CRD controller would."""
        now = time.monotonic()
        for name, ready_at in list(self._pending_crds.items()):
            if ready_at > now:
                continue
            del self._pending_crds[name]
            key = (_CRD_GROUP, "customresourcedefinitions", "", name)
            stored = self._objects.get(key)
            if stored is not None:
                obj = {**copy.deepcopy(stored.obj), "status": crd_status(stored.obj, True)}
                self._store(
                    key,
                    Stored(stored.rtype, obj, stored.managers),
                    stored,
                    Write("apiextensions-controller"),
                )

    def _render(
        self, stored: Stored, rtype: ResourceType, *, in_list: bool = False
    ) -> dict[str, Any]:
        obj = copy.deepcopy(stored.obj)
        obj["metadata"]["managedFields"] = fields.managed_fields(stored.managers)
        if in_list and not rtype.custom:
            # Typed lists of built-in kinds leave apiVersion and kind off their items.
            obj.pop("apiVersion", None)
            obj.pop("kind", None)
        else:
            obj.update(apiVersion=rtype.api_version, kind=rtype.kind)
        return obj


def _ownership(managers: list[fields.Manager]) -> list[tuple[str, str, list[Any]]]:
    return sorted((m.name, m.operation, sorted(m.fields)) for m in managers)
