"""Kubernetes kinds by apply order and by scope, shared by rendering and deploying."""

from __future__ import annotations

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
# The apply order: Namespaces and CRDs first (so what follows can be created), then helm's
# InstallOrder without its *List kinds.
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
