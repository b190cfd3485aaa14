"""``status`` drift detection against the fake API server: other managers, deletions, health."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sbkube_ci.deploy.inspect.drift import (
    MASKED,
    DeployedApp,
    DriftReport,
    FieldChange,
    UnhealthyObject,
    detect_drift,
)
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.k8s import ObjectRef
from tests.fakekube.fixture import FakeKube
from tests.support import objects
from tests.support.cluster import apply_app, fast_applier
from tests.support.objects import config_map, deployment, namespace


@pytest.fixture
def kube(kube: KubeClient, fake_kube: FakeKube) -> KubeClient:
    fake_kube.auto_ready()
    return kube


def secret() -> dict[str, Any]:
    return objects.secret(string_data={"password": "s3cret-value"}, opaque=False)


def deployed(kube: KubeClient, objects: list[dict[str, Any]]) -> DeployedApp:
    """Deploy ``objects`` as app shop and return what the state would record."""
    result = apply_app(fast_applier(kube), objects)
    return DeployedApp(result.inventory, copy.deepcopy(objects))


def status(kube: KubeClient, app: DeployedApp) -> DriftReport:
    return detect_drift(kube, "test", {"shop": app})


def test_an_untouched_deploy_has_no_drift(kube: KubeClient) -> None:
    app = deployed(kube, [namespace(), config_map(a="1"), deployment(), secret()])
    report = status(kube, app)
    assert not report.has_drift
    assert not report.has_unhealthy
    assert report.app("shop").clean
    assert report.to_dict() == {
        "cluster": "test",
        "has_drift": False,
        "apps": {"shop": {"missing": [], "modified": {}, "unhealthy": {}}},
    }


def test_server_side_apply_by_kubectl_is_reported_with_its_manager(kube: KubeClient) -> None:
    app = deployed(kube, [namespace(), deployment(replicas=2)])
    scaled = deployment(replicas=5)
    scaled["metadata"]["namespace"] = "shop"
    resource = kube.resource("apps/v1", "Deployment")
    kube.dynamic.server_side_apply(
        resource, body=scaled, name="api", namespace="shop", field_manager="kubectl",
        force_conflicts=True,
    )  # fmt: skip
    report = status(kube, app)
    assert report.has_drift
    (modified,) = report.app("shop").modified
    assert modified.ref == ObjectRef("apps/v1", "Deployment", "shop", "api")
    assert modified.fields == [FieldChange("spec.replicas", 2, 5, "kubectl")]
    assert modified.managers == ["kubectl"]
    assert modified.fields[0].describe() == "spec.replicas: 2 -> 5 by kubectl"


def test_an_edit_is_reported_with_the_editing_manager(kube: KubeClient) -> None:
    app = deployed(kube, [namespace(), config_map(a="1", b="2")])
    resource = kube.resource("v1", "ConfigMap")
    resource.patch(
        body={"data": {"a": "changed", "b": None}},
        name="settings",
        namespace="shop",
        content_type="application/merge-patch+json",
        field_manager="kubectl-edit",
    )
    (modified,) = status(kube, app).app("shop").modified
    assert modified.fields == [
        FieldChange("data.a", "1", "changed", "kubectl-edit"),
        FieldChange("data.b", "2", None, None),
    ]
    assert modified.fields[1].describe() == "data.b removed"


def test_deleted_objects_are_missing(kube: KubeClient, fake_kube: FakeKube) -> None:
    app = deployed(kube, [namespace(), config_map(a="1"), deployment()])
    kube.resource("v1", "ConfigMap").delete(name="settings", namespace="shop")
    gone_kind = ObjectRef("example.com/v1", "Widget", "shop", "w1")  # its CRD was removed
    app = DeployedApp([*app.inventory, gone_kind], app.snapshot)
    drift = status(kube, app).app("shop")
    assert drift.missing == [ObjectRef("v1", "ConfigMap", "shop", "settings"), gone_kind]
    assert drift.modified == []
    assert drift.has_drift


def test_an_unavailable_deployment_is_unhealthy_but_not_drift(
    kube: KubeClient, fake_kube: FakeKube
) -> None:
    app = deployed(kube, [namespace(), deployment(replicas=2)])
    generation = fake_kube.require("Deployment", "shop", "api")["metadata"]["generation"]
    fake_kube.set_status(
        "Deployment",
        "shop",
        "api",
        {
            "observedGeneration": generation,
            "replicas": 2,
            "updatedReplicas": 2,
            "availableReplicas": 0,
        },
    )
    report = status(kube, app)
    assert not report.has_drift
    assert report.has_unhealthy
    assert report.app("shop").unhealthy == [
        UnhealthyObject(ObjectRef("apps/v1", "Deployment", "shop", "api"), "0/2 replicas available")
    ]
    assert report.to_dict()["apps"]["shop"]["unhealthy"] == {
        "Deployment shop/api": "0/2 replicas available"
    }


def test_secret_values_are_masked_and_string_data_compares_as_data(kube: KubeClient) -> None:
    app = deployed(kube, [namespace(), secret()])
    assert status(kube, app).app("shop").clean  # stringData never reads back, yet no drift
    kube.resource("v1", "Secret").patch(
        body={"data": {"password": "b3RoZXI="}},
        name="db",
        namespace="shop",
        content_type="application/merge-patch+json",
        field_manager="kubectl-edit",
    )
    report = status(kube, app)
    (modified,) = report.app("shop").modified
    assert modified.fields == [FieldChange("data.password", MASKED, MASKED, "kubectl-edit")]
    assert "s3cret" not in repr(report.to_dict())


def test_fields_still_owned_by_sbkube_ci_are_normalization_not_drift(kube: KubeClient) -> None:
    app = deployed(kube, [namespace(), config_map(cpu="1")])
    # As if the server stored "1000m" as "1": the value differs, but nobody else touched it.
    recorded = DeployedApp(app.inventory, [namespace(), config_map(cpu="1000m")])
    assert not status(kube, recorded).has_drift


def test_apps_are_reported_in_name_order(kube: KubeClient) -> None:
    app = deployed(kube, [namespace()])
    report = detect_drift(kube, "test", {"web": app, "api": DeployedApp([], [])})
    assert [a.app for a in report.apps] == ["api", "web"]
