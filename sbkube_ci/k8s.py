"""The Kubernetes vocabulary shared by rendering, diffing and deploying.

Kinds by apply order and by scope, object identity, the metadata only a server writes,
strategic merge keys, Helm hook annotations, and the labels sbkube-ci marks its objects with.
Pure data and small functions: nothing here talks to a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

# helm's releaseutil.InstallOrder (helm 3.18): helm's kind order, which hooks of equal weight
# and name follow.
HELM_INSTALL_ORDER: tuple[str, ...] = (
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)

_FIRST = ("Namespace", "CustomResourceDefinition")
# Kinds applied (and settled) before all others, so what follows can be created.
FOUNDATION_KINDS = frozenset(_FIRST)
# The apply order: Namespaces and CRDs first, then helm's InstallOrder without its *List kinds.
KIND_ORDER: tuple[str, ...] = _FIRST + tuple(
    kind for kind in HELM_INSTALL_ORDER if kind not in _FIRST and not kind.endswith("List")
)

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleBinding",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "VolumeSnapshotClass",
        "CertificateSigningRequest",
        "PodSecurityPolicy",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "ClusterIssuer",
    }
)

_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


def kind_rank(kind: str) -> int:
    """Position of ``kind`` in the apply order; kinds Helm does not list (custom) go last."""
    return _KIND_RANK.get(kind, len(KIND_ORDER))


# How sbkube-ci marks what it owns; prune deletes nothing without both labels.
FIELD_MANAGER = "sbkube-ci"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
APP_LABEL = "sbkube.io/app"
CLUSTER_LABEL = "sbkube.io/cluster"


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    group, _, version = api_version.rpartition("/")
    return group, version


@dataclass(frozen=True)
class ObjectRef:
    """Identity of one object: what an apply targets and a state inventory records."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        return cls(obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObjectRef:
        return cls(data["apiVersion"], data["kind"], data.get("namespace"), data["name"])

    def to_dict(self) -> dict[str, str]:
        data = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            data["namespace"] = self.namespace
        return data

    def key(self) -> tuple[int, str, str, str, str]:
        """Sort key: apply order of the kind, then namespace, kind, name, apiVersion."""
        rank = kind_rank(self.kind)
        return (rank, self.namespace or "", self.kind, self.name, self.api_version)

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


class ObjectKey(NamedTuple):
    """An object's identity across versions of its API: ``ObjectRef`` with the group only."""

    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectKey:
        """The key of an object that has a kind and ``metadata.name`` (callers check)."""
        meta = obj["metadata"]
        group, _ = split_api_version(str(obj.get("apiVersion", "")))
        return cls(group, str(obj["kind"]), str(meta.get("namespace") or ""), str(meta["name"]))


# Metadata only the API server writes; an applied object never carries it.
SERVER_METADATA = (
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
)
# Annotations that tools and controllers write on live objects.
SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)


def strip_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` without status, server metadata and server annotations.

    Only the maps it changes are copied; the rest (spec, data) is shared with ``obj``.
    """
    clean = {k: v for k, v in obj.items() if k != "status"}
    metadata = clean.get("metadata")
    if isinstance(metadata, dict):
        metadata = clean["metadata"] = {
            k: v for k, v in metadata.items() if k not in SERVER_METADATA
        }
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            kept = {k: v for k, v in annotations.items() if k not in SERVER_ANNOTATIONS}
            if kept:
                metadata["annotations"] = kept
            else:
                del metadata["annotations"]
    return clean


# Strategic merge keys: lists Kubernetes treats as maps, by the field holding the list, with
# the key field(s) of their items (container ports by containerPort, service ports by port).
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "ports": ("containerPort", "port"),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "imagePullSecrets": ("name",),
}
# Item key fields for a list whose field name is not known, most specific first: the keys of
# MERGE_KEYS plus those of other built-in keyed lists (volumeDevices, hostAliases, ...).
ITEM_MERGE_KEYS = ("name", "containerPort", "port", "mountPath", "devicePath", "ip", "type", "key")

HOOK_ANNOTATION = "helm.sh/hook"
HOOK_WEIGHT_ANNOTATION = "helm.sh/hook-weight"
HOOK_DELETE_ANNOTATION = "helm.sh/hook-delete-policy"
BEFORE_HOOK_CREATION = "before-hook-creation"
HOOK_SUCCEEDED = "hook-succeeded"
HOOK_FAILED = "hook-failed"


@dataclass(frozen=True)
class Hook:
    events: frozenset[str]
    weight: int
    delete_policies: frozenset[str]


def _annotations(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def hook_annotation(obj: dict[str, Any]) -> str | None:
    """The raw ``helm.sh/hook`` annotation (``pre-install,pre-upgrade``), or None."""
    hook = _annotations(obj).get(HOOK_ANNOTATION)
    return str(hook) if hook else None


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def hook_of(obj: dict[str, Any]) -> Hook | None:
    """The Helm hook an object declares, or None for an ordinary object."""
    events = hook_annotation(obj)
    if events is None:
        return None
    annotations = _annotations(obj)
    try:
        weight = int(annotations.get(HOOK_WEIGHT_ANNOTATION, "0"))
    except ValueError:
        weight = 0  # Helm also treats an unparsable weight as 0
    # Helm's default when a hook names no policy.
    policies = _split(str(annotations.get(HOOK_DELETE_ANNOTATION, ""))) or {BEFORE_HOOK_CREATION}
    return Hook(_split(events), weight, frozenset(policies))
