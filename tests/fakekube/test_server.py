"""The fake API server, driven by the official kubernetes client's DynamicClient over HTTP."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kubernetes import client
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ApiException

from tests.fakekube.fixture import FakeKube
from tests.support import objects
from tests.support.objects import crd, deployment

MANAGER = "test"


@pytest.fixture
def dyn(fake_kube: FakeKube, tmp_path: Path) -> DynamicClient:
    config = client.Configuration()
    config.host = fake_kube.url
    return DynamicClient(client.ApiClient(config), cache_file=str(tmp_path / "discovery.json"))


def _res(dyn: DynamicClient, api_version: str, kind: str) -> Any:
    return dyn.resources.get(api_version=api_version, kind=kind)


def _ns(dyn: DynamicClient, name: str = "shop") -> None:
    _res(dyn, "v1", "Namespace").create(body=objects.namespace(name))


def _deployment(**labels: str) -> dict[str, Any]:
    return deployment(namespace="shop", image="nginx", labels=labels)


def _status(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body)
    return body


def test_discovery_describes_core_and_group_types(dyn: DynamicClient) -> None:
    deployments = _res(dyn, "apps/v1", "Deployment")
    assert deployments.namespaced
    assert "deploy" in deployments.short_names
    assert "status" in deployments.subresources
    assert not _res(dyn, "v1", "Namespace").namespaced
    crds = _res(dyn, "apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert not crds.namespaced
    for api_version, kind in [("v1", "Secret"), ("batch/v1", "Job"), ("apps/v1", "DaemonSet")]:
        assert _res(dyn, api_version, kind).kind == kind
    assert dyn.version["kubernetes"]["major"] == "1"


def test_create_get_list_with_label_selectors(dyn: DynamicClient) -> None:
    _ns(dyn)
    configmaps = _res(dyn, "v1", "ConfigMap")
    for name, tier in [("a", "web"), ("b", "db"), ("c", "web")]:
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
        body["metadata"]["labels"] = {"tier": tier, "team": "x"}
        created = configmaps.create(body=body, namespace="shop")
        assert created.metadata.uid
        assert created.metadata.resourceVersion
    assert configmaps.get(name="b", namespace="shop").metadata.labels.tier == "db"

    def names(selector: str) -> list[str]:
        items = configmaps.get(namespace="shop", label_selector=selector).items
        return [i.metadata.name for i in items]

    assert names("tier=web,team") == ["a", "c"]
    assert names("tier in (db)") == ["b"]
    assert names("tier!=web") == ["b"]
    assert names("!team") == []


def test_errors_are_status_objects(dyn: DynamicClient) -> None:
    _ns(dyn)
    configmaps = _res(dyn, "v1", "ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    configmaps.create(body=body, namespace="shop")
    with pytest.raises(ApiException) as exists:
        configmaps.create(body=body, namespace="shop")
    assert exists.value.status == 409
    assert _status(exists.value)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as missing:
        configmaps.get(name="nope", namespace="shop")
    status = _status(missing.value)
    assert (status["kind"], status["status"], status["code"]) == ("Status", "Failure", 404)
    assert status["message"] == 'configmaps "nope" not found'
    with pytest.raises(ApiException) as no_ns:
        configmaps.create(body=body, namespace="ghost")
    assert _status(no_ns.value)["message"] == 'namespaces "ghost" not found'


def test_replace_with_stale_resource_version_conflicts(dyn: DynamicClient) -> None:
    _ns(dyn)
    deployments = _res(dyn, "apps/v1", "Deployment")
    first = deployments.create(body=_deployment()).to_dict()
    assert first["metadata"]["generation"] == 1
    changed = json.loads(json.dumps(first))
    changed["spec"]["replicas"] = 4
    second = deployments.replace(body=changed).to_dict()
    assert second["metadata"]["generation"] == 2
    relabelled = json.loads(json.dumps(second))
    relabelled["metadata"]["labels"] = {"x": "y"}
    assert deployments.replace(body=relabelled).metadata.generation == 2
    with pytest.raises(ApiException) as stale:
        deployments.replace(body=changed)
    assert stale.value.status == 409
    assert "the object has been modified" in _status(stale.value)["message"]


def test_server_side_apply_tracks_owners_and_conflicts(dyn: DynamicClient) -> None:
    _ns(dyn)
    deployments = _res(dyn, "apps/v1", "Deployment")
    created = dyn.server_side_apply(deployments, body=_deployment(a="1"), field_manager=MANAGER)
    again = dyn.server_side_apply(deployments, body=_deployment(a="1"), field_manager=MANAGER)
    assert again.metadata.resourceVersion == created.metadata.resourceVersion
    managers = [(m.manager, m.operation) for m in again.metadata.managedFields]
    assert managers == [(MANAGER, "Apply")]
    patch = {"spec": {"replicas": 7}}
    deployments.patch(
        body=patch,
        name="api",
        namespace="shop",
        content_type="application/merge-patch+json",
        field_manager="kubectl-edit",
    )
    with pytest.raises(ApiException) as conflict:
        dyn.server_side_apply(deployments, body=_deployment(), field_manager=MANAGER)
    status = _status(conflict.value)
    assert status["code"] == 409
    assert 'conflict with "kubectl-edit"' in status["message"]
    assert status["details"]["causes"][0]["field"] == ".spec.replicas"
    forced = dyn.server_side_apply(
        deployments, body=_deployment(), field_manager=MANAGER, force_conflicts=True
    )
    assert forced.spec.replicas == 2
    # The label "a" left the applied configuration, so apply removes it.
    assert not (forced.metadata.labels or {}).get("a")


def test_apply_requires_field_manager(dyn: DynamicClient) -> None:
    _ns(dyn)
    with pytest.raises(ApiException) as error:
        dyn.server_side_apply(_res(dyn, "apps/v1", "Deployment"), body=_deployment())
    assert error.value.status == 422
    assert "fieldManager" in _status(error.value)["message"]


def test_invalid_objects_are_rejected(dyn: DynamicClient) -> None:
    _ns(dyn)
    body = _deployment()
    del body["spec"]["selector"]
    with pytest.raises(ApiException) as error:
        dyn.server_side_apply(_res(dyn, "apps/v1", "Deployment"), body=body, field_manager="m")
    status = _status(error.value)
    assert status["reason"] == "Invalid"
    assert status["message"] == 'Deployment.apps "api" is invalid: spec.selector: Required value'


def test_dry_run_answers_without_storing(dyn: DynamicClient, fake_kube: FakeKube) -> None:
    _ns(dyn)
    deployments = _res(dyn, "apps/v1", "Deployment")
    answer = dyn.server_side_apply(
        deployments, body=_deployment(), field_manager=MANAGER, dry_run="All"
    )
    assert answer.metadata.name == "api"
    assert fake_kube.get("Deployment", "shop", "api") is None
    deployments.create(body=_deployment())
    deployments.delete(name="api", namespace="shop", dry_run="All")
    assert fake_kube.get("Deployment", "shop", "api") is not None
    with pytest.raises(ApiException) as error:
        deployments.delete(name="api", namespace="shop", dry_run="Some")
    assert error.value.status == 400


def test_status_subresource_is_separate(dyn: DynamicClient, fake_kube: FakeKube) -> None:
    _ns(dyn)
    deployments = _res(dyn, "apps/v1", "Deployment")
    body = {**_deployment(), "status": {"readyReplicas": 9}}
    created = deployments.create(body=body)
    assert created.status is None
    fake_kube.set_status("Deployment", "shop", "api", {"readyReplicas": 2})
    patched = deployments.status.patch(
        body={"status": {"availableReplicas": 2}},
        name="api",
        namespace="shop",
        content_type="application/merge-patch+json",
    )
    assert patched.status.to_dict() == {"readyReplicas": 2, "availableReplicas": 2}
    applied = dyn.server_side_apply(deployments, body=_deployment(), field_manager=MANAGER)
    assert applied.status.readyReplicas == 2


def test_crd_serves_custom_resources_once_established(
    dyn: DynamicClient, fake_kube: FakeKube
) -> None:
    _ns(dyn)
    fake_kube.set_crd_established_delay(0.5)
    crds = _res(dyn, "apiextensions.k8s.io/v1", "CustomResourceDefinition")
    crds.create(body=crd())
    established = crds.get(name="widgets.example.com").status.conditions[1]
    assert (established.type, established.status) == ("Established", "False")
    with pytest.raises(ApiException) as early:
        dyn.request("GET", "/apis/example.com/v1/namespaces/shop/widgets")
    assert early.value.status == 404
    time.sleep(0.6)
    established = crds.get(name="widgets.example.com").status.conditions[1]
    assert established.status == "True"
    widgets = _res(dyn, "example.com/v1", "Widget")
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    dyn.server_side_apply(widgets, body=widget, namespace="shop", field_manager=MANAGER)
    assert fake_kube.names("Widget", "shop") == ["w"]
    with pytest.raises(ApiException) as strategic:
        widgets.patch(body={"spec": {}}, name="w", namespace="shop")
    assert strategic.value.status == 415
    crds.delete(name="widgets.example.com")
    assert fake_kube.names("Widget", "shop") == []


def test_unknown_kind_path_is_not_found(dyn: DynamicClient) -> None:
    with pytest.raises(ApiException) as error:
        dyn.request("GET", "/apis/nope.io/v1/things")
    assert error.value.status == 404


def test_forbidden_has_rbac_shape(dyn: DynamicClient, fake_kube: FakeKube) -> None:
    _ns(dyn)
    fake_kube.forbid("patch", "deployments", "shop")
    with pytest.raises(ApiException) as error:
        dyn.server_side_apply(
            _res(dyn, "apps/v1", "Deployment"), body=_deployment(), field_manager=MANAGER
        )
    status = _status(error.value)
    assert status["code"] == 403
    assert status["reason"] == "Forbidden"
    assert 'cannot patch resource "deployments" in API group "apps"' in status["message"]
    assert 'in the namespace "shop"' in status["message"]


def test_stopped_server_refuses_connections(dyn: DynamicClient, fake_kube: FakeKube) -> None:
    configmaps = _res(dyn, "v1", "ConfigMap")
    fake_kube.stop()
    with pytest.raises(urllib3.exceptions.HTTPError):
        configmaps.get(namespace="default")


def test_namespace_delete_removes_its_objects(dyn: DynamicClient, fake_kube: FakeKube) -> None:
    _ns(dyn)
    _res(dyn, "apps/v1", "Deployment").create(body=_deployment())
    _res(dyn, "v1", "Namespace").delete(name="shop")
    assert fake_kube.objects == []


def test_merge_patch_null_removes_and_put_needs_an_existing_object(dyn: DynamicClient) -> None:
    _ns(dyn)
    configmaps = _res(dyn, "v1", "ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    configmaps.create(body={**body, "data": {"x": "1", "y": "2"}}, namespace="shop")
    patched = configmaps.patch(
        body={"data": {"x": None}},
        name="a",
        namespace="shop",
        content_type="application/merge-patch+json",
    )
    assert patched.data.to_dict() == {"y": "2"}
    with pytest.raises(ApiException) as missing:
        configmaps.replace(body={**body, "metadata": {"name": "b"}}, namespace="shop")
    assert missing.value.status == 404


def test_list_across_namespaces_and_bad_selector(dyn: DynamicClient) -> None:
    configmaps = _res(dyn, "v1", "ConfigMap")
    for namespace in ("one", "two"):
        _ns(dyn, namespace)
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}
        configmaps.create(body=body, namespace=namespace)
    items = configmaps.get().items
    assert sorted(i.metadata.namespace for i in items) == ["one", "two"]
    with pytest.raises(ApiException) as error:
        configmaps.get(label_selector="a in (b")
    assert error.value.status == 400


def test_invalid_causes_carry_field_reasons(dyn: DynamicClient) -> None:
    crds = _res(dyn, "apiextensions.k8s.io/v1", "CustomResourceDefinition")
    wrong_name = crd()
    wrong_name["metadata"]["name"] = "widgets"
    with pytest.raises(ApiException) as error:
        crds.create(body=wrong_name)
    cause = _status(error.value)["details"]["causes"][0]
    assert cause["field"] == "metadata.name"
    assert cause["reason"] == "FieldValueInvalid"
    assert "spec.names.plural" in cause["message"]
