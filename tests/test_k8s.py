"""Apply order of kinds and Helm hook annotations."""

from __future__ import annotations

from sbkube_ci.k8s import (
    ObjectKey,
    ObjectRef,
    hook_annotation,
    hook_of,
    kind_rank,
    strip_server_fields,
)


def test_namespaces_and_crds_come_first_and_custom_kinds_last() -> None:
    kinds = ["Widget", "Deployment", "CustomResourceDefinition", "ConfigMap", "Namespace"]
    assert sorted(kinds, key=kind_rank) == [
        "Namespace",
        "CustomResourceDefinition",
        "ConfigMap",
        "Deployment",
        "Widget",
    ]


def test_hook_defaults_follow_helm() -> None:
    obj = {"metadata": {"annotations": {"helm.sh/hook": "pre-install, pre-upgrade"}}}
    hook = hook_of(obj)
    assert hook is not None
    assert hook.events == {"pre-install", "pre-upgrade"}
    assert hook.weight == 0
    assert hook.delete_policies == {"before-hook-creation"}


def test_hook_weight_and_policies_are_read() -> None:
    annotations = {
        "helm.sh/hook": "post-upgrade",
        "helm.sh/hook-weight": "-5",
        "helm.sh/hook-delete-policy": "hook-succeeded,hook-failed",
    }
    hook = hook_of({"metadata": {"annotations": annotations}})
    assert hook is not None
    assert hook.weight == -5
    assert hook.delete_policies == {"hook-succeeded", "hook-failed"}


def test_plain_objects_are_not_hooks() -> None:
    assert hook_of({"metadata": {"name": "x"}}) is None


def test_priority_classes_are_applied_before_the_pods_that_use_them() -> None:
    # The deploy order once had its own table without PriorityClass, so it went last.
    kinds = ["Deployment", "PriorityClass", "Namespace"]
    assert sorted(kinds, key=kind_rank) == ["Namespace", "PriorityClass", "Deployment"]


def test_strip_server_fields_keeps_what_the_user_wrote() -> None:
    live = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "api",
            "uid": "u",
            "resourceVersion": "7",
            "generation": 3,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "sbkube-ci"}],
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
                "deployment.kubernetes.io/revision": "3",
            },
        },
        "spec": {"replicas": 2},
        "status": {"readyReplicas": 2},
    }
    assert strip_server_fields(live) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api"},
        "spec": {"replicas": 2},
    }
    assert live["metadata"]["uid"] == "u"  # the input is left alone
    annotated = {"metadata": {"name": "x", "annotations": {"team": "a"}}}
    assert strip_server_fields(annotated) == annotated


def test_hook_annotation_is_the_raw_text_and_tolerates_odd_metadata() -> None:
    obj = {"metadata": {"annotations": {"helm.sh/hook": "pre-install,pre-upgrade"}}}
    assert hook_annotation(obj) == "pre-install,pre-upgrade"
    assert hook_annotation({"metadata": {"annotations": None}}) is None
    assert hook_annotation({"metadata": {"annotations": ["not", "a", "map"]}}) is None
    assert hook_of({"metadata": {"annotations": ["not", "a", "map"]}}) is None


def test_object_key_drops_the_version_and_fills_the_namespace() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}}
    assert ObjectKey.of(obj) == ObjectKey("apps", "Deployment", "", "api")
    assert ObjectRef.of(obj) == ObjectRef("apps/v1", "Deployment", None, "api")
