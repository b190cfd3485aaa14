"""The API types the fake server knows, and the discovery documents describing them."""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field
from typing import Any


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    custom: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def discovery_entries(self) -> list[dict[str, Any]]:
        main: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": _ALL_VERBS,
        }
        if self.short_names:
            main["shortNames"] = list(self.short_names)
        subs = [
            {
                "name": f"{self.plural}/{sub}",
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": self.kind,
                "verbs": ["get", "patch", "update"],
            }
            for sub in self.subresources
        ]
        return [main, *subs]


BUILTIN_TYPES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "Namespace", "namespaces", False, ("ns",), ("status",)),
    ResourceType("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    ResourceType("", "v1", "Secret", "secrets", True),
    ResourceType("", "v1", "Service", "services", True, ("svc",), ("status",)),
    ResourceType("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    ResourceType("", "v1", "Pod", "pods", True, ("po",), ("status",)),
    ResourceType("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("status",)),
    ResourceType("apps", "v1", "StatefulSet", "statefulsets", True, ("sts",), ("status",)),
    ResourceType("apps", "v1", "DaemonSet", "daemonsets", True, ("ds",), ("status",)),
    ResourceType("batch", "v1", "Job", "jobs", True, (), ("status",)),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        ("crd", "crds"),
        ("status",),
    ),
    ResourceType("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    ResourceType(
        "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False
    ),
    ResourceType("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    ResourceType(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        False,
    ),
)


@dataclass
class _Served:
    type: ResourceType
    ready_at: float


@dataclass
class TypeRegistry:
    """Built-in types plus the ones CRDs add; a CRD's types are served once it is Established."""

    _served: list[_Served] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._served = [_Served(t, 0.0) for t in BUILTIN_TYPES]

    def served(self) -> list[ResourceType]:
        now = time.monotonic()
        with self._lock:
            return [s.type for s in self._served if s.ready_at <= now]

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        for rtype in self.served():
            if (rtype.group, rtype.version, rtype.plural) == (group, version, plural):
                return rtype
        return None

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        for rtype in self.served():
            if (rtype.api_version, rtype.kind) == (api_version, kind):
                return rtype
        return None

    def add_custom(self, types: list[ResourceType], ready_at: float) -> None:
        with self._lock:
            names = {(t.group, t.plural) for t in types}
            self._served = [s for s in self._served if (s.type.group, s.type.plural) not in names]
            self._served.extend(_Served(t, ready_at) for t in types)

    def remove_custom(self, group: str, plural: str) -> None:
        with self._lock:
            self._served = [
                s
                for s in self._served
                if not (s.type.custom and (s.type.group, s.type.plural) == (group, plural))
            ]

    def resource_list(self, group: str, version: str) -> dict[str, Any] | None:
        types = [t for t in self.served() if (t.group, t.version) == (group, version)]
        if not types:
            return None
        resources = [entry for t in types for entry in t.discovery_entries()]
        gv = f"{group}/{version}" if group else version
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": resources,
        }

    def group_list(self) -> dict[str, Any]:
        versions: dict[str, list[str]] = {}
        for rtype in self.served():
            if rtype.group and rtype.version not in versions.setdefault(rtype.group, []):
                versions[rtype.group].append(rtype.version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [_group_doc(g, vs) for g, vs in sorted(versions.items())],
        }

    def group(self, name: str) -> dict[str, Any] | None:
        for doc in self.group_list()["groups"]:
            if doc["name"] == name:
                return {"kind": "APIGroup", "apiVersion": "v1", **doc}
        return None


def _group_doc(group: str, versions: list[str]) -> dict[str, Any]:
    docs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": docs, "preferredVersion": docs[0]}


def crd_types(crd: dict[str, Any]) -> list[ResourceType]:
    """The served types a (validated) CRD defines."""
    spec = crd["spec"]
    names = spec["names"]
    subresources = (
        ("status",)
        if any("status" in (v.get("subresources") or {}) for v in spec["versions"])
        else ()
    )
    return [
        ResourceType(
            spec["group"],
            version["name"],
            names["kind"],
            names["plural"],
            spec["scope"] == "Namespaced",
            tuple(names.get("shortNames") or ()),
            subresources,
            custom=True,
        )
        for version in spec["versions"]
        if version.get("served", True)
    ]


def crd_status(crd: dict[str, Any], established: bool) -> dict[str, Any]:
    """The status the CRD controller reports, before and after the names are accepted."""
    now = now_rfc3339()
    return {
        "acceptedNames": crd["spec"]["names"],
        "storedVersions": [v["name"] for v in crd["spec"]["versions"] if v.get("storage")],
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "lastTransitionTime": now,
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True" if established else "False",
                "reason": "InitialNamesAccepted" if established else "Installing",
                "lastTransitionTime": now,
                "message": "the initial names have been accepted"
                if established
                else "the initial names are being accepted",
            },
        ],
    }
