"""Field comparison and managedFields ownership, on objects in a real API server's FieldsV1 shape.

The fake server treats lists as atomic; a real one merges containers by name and records
``k:{"name":"main"}`` entries, which these hand-written managedFields follow (the cluster
tests in tests/e2e check the same logic against a real server).
"""

from __future__ import annotations

import copy
from typing import Any

from sbkube_ci.deploy.inspect.drift import FieldChange, modified_fields
from sbkube_ci.deploy.inspect.ownership import differences, format_path, owners

_SBKUBE_FIELDS: dict[str, Any] = {
    "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}, "f:sbkube.io/app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"main"}': {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":8080,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                            }
                        },
                    }
                }
            },
        },
    },
}
_SET_IMAGE_FIELDS = {
    "f:spec": {"f:template": {"f:spec": {"f:containers": {'k:{"name":"main"}': {"f:image": {}}}}}}
}


def applied() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "labels": {"sbkube.io/app": "shop"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {
                    "containers": [
                        {"name": "main", "image": "api:1", "ports": [{"containerPort": 8080}]}
                    ]
                },
            },
        },
    }


def live(image: str = "api:1", managed: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    obj = copy.deepcopy(applied())
    obj["metadata"].update(namespace="shop", uid="u-1", resourceVersion="42", generation=3)
    obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "sbkube-ci"
    container = obj["spec"]["template"]["spec"]["containers"][0]
    # What the server defaults: never applied, never drift.
    container.update(image=image, imagePullPolicy="IfNotPresent", terminationMessagePath="/dev/x")
    container["ports"][0]["protocol"] = "TCP"
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    obj["status"] = {"replicas": 2}
    if managed is not None:
        obj["metadata"]["managedFields"] = managed
    return obj


def entry(manager: str, fields: dict[str, Any], operation: str = "Apply") -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": operation,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def test_server_defaults_are_not_differences() -> None:
    assert list(differences(applied(), live())) == []


def test_a_changed_container_image_is_found_by_merge_key() -> None:
    (difference,) = differences(applied(), live(image="api:2"))
    assert difference.path == ("spec", "template", "spec", "containers", ("name", "main"), "image")
    assert difference.dotted == "spec.template.spec.containers[name=main].image"
    assert (difference.applied, difference.live) == ("api:1", "api:2")


def test_owner_of_a_keyed_list_item_field() -> None:
    managed = [
        entry("sbkube-ci", _SBKUBE_FIELDS),
        entry("kubectl-set", _SET_IMAGE_FIELDS, "Update"),
    ]
    image = ("spec", "template", "spec", "containers", ("name", "main"), "image")
    port = ("spec", "template", "spec", "containers", ("name", "main"), "ports")
    assert owners(managed, image) == ["sbkube-ci", "kubectl-set"]
    assert owners(managed, (*port, ("containerPort", 8080), "containerPort")) == ["sbkube-ci"]
    # selector is atomic (an empty node): its owner owns everything below it.
    assert owners(managed, ("spec", "selector", "matchLabels", "app")) == ["sbkube-ci"]
    assert owners(managed, ("metadata", "labels", "team")) == []


def test_image_changed_by_kubectl_set_image_is_drift_by_that_manager() -> None:
    without_image = copy.deepcopy(_SBKUBE_FIELDS)
    del without_image["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"main"}'][
        "f:image"
    ]
    managed = [entry("sbkube-ci", without_image), entry("kubectl-set", _SET_IMAGE_FIELDS, "Update")]
    assert modified_fields(applied(), live("api:2", managed)) == [
        FieldChange(
            "spec.template.spec.containers[name=main].image", "api:1", "api:2", "kubectl-set"
        )
    ]


def test_without_managed_fields_values_are_compared() -> None:
    assert modified_fields(applied(), live("api:2")) == [
        FieldChange("spec.template.spec.containers[name=main].image", "api:1", "api:2", None)
    ]
    assert modified_fields(applied(), live()) == []


def test_lists_without_a_merge_key_compare_whole() -> None:
    mine = {"spec": {"args": ["--port", "80"]}}
    theirs = {"spec": {"args": ["--port", "81"]}}
    (difference,) = differences(mine, theirs)
    assert difference.dotted == "spec.args"
    assert format_path(("a", 0, ("name", "x"), "b")) == "a[0][name=x].b"


def test_zero_values_the_server_leaves_out_are_not_differences() -> None:
    mine = {
        "metadata": {"annotations": {}, "labels": {"app": "api"}},
        "spec": {"hostNetwork": False, "nodeSelector": None, "volumes": [], "x": {"y": ""}},
    }
    theirs = {"metadata": {"labels": {"app": "api"}}, "spec": {}}
    assert list(differences(mine, theirs)) == []
    (difference,) = differences({"spec": {"paused": True}}, theirs)
    assert (difference.dotted, difference.applied, difference.live) == ("spec.paused", True, None)
