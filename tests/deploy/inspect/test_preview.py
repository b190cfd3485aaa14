"""``plan --live``: server-side dry-run applies against the fake API server."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sbkube_ci.deploy.apply.applier import ApplyResult
from sbkube_ci.deploy.inspect.preview import AppPreview, Change, Previewer
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import ObjectRef
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import apply_app, fast_applier, server_side_apply
from tests.support.objects import config_map, crd, custom_resource, deployment, hook_job, namespace


@pytest.fixture
def kube(kube: KubeClient, fake_kube: FakeKube) -> KubeClient:
    fake_kube.auto_ready()
    return kube


@pytest.fixture
def previewer(kube: KubeClient) -> Previewer:
    return Previewer(kube, cluster="test")


def deploy(kube: KubeClient, objects: list[dict[str, Any]], **options: Any) -> ApplyResult:
    return apply_app(fast_applier(kube), objects, **options)


def preview(previewer: Previewer, objects: list[dict[str, Any]], **options: Any) -> AppPreview:
    previous = options.pop("previous", [])
    return previewer.preview_app(
        "shop", copy.deepcopy(objects), previous, namespace="shop", **options
    )


def changes(result: AppPreview) -> dict[str, str]:
    return {str(item.ref): item.change.value for item in result.items}


def test_empty_cluster_previews_creates_and_writes_nothing(
    previewer: Previewer, fake_kube: FakeKube
) -> None:
    result = preview(previewer, [deployment(), config_map(a="1"), namespace()])
    assert changes(result) == {
        "Namespace shop": "create",
        "ConfigMap shop/settings": "create",
        "Deployment shop/api": "create",
    }
    ns, cm, _ = result.items
    assert ns.validated  # the server answered the dry run
    assert ns.desired is not None
    assert ns.desired["metadata"]["labels"]["sbkube.io/app"] == "shop"
    assert not cm.validated
    assert cm.note == "namespace shop is created by this deploy"
    assert cm.desired is not None
    assert cm.desired["metadata"]["namespace"] == "shop"
    assert fake_kube.objects == []
    patches = [path for method, path in fake_kube.requests if method == "PATCH"]
    assert patches == [
        "/api/v1/namespaces/shop?dryRun=All&fieldManager=sbkube-ci",
    ]


def test_changed_object_pairs_live_with_the_dry_run_answer(
    previewer: Previewer, kube: KubeClient, fake_kube: FakeKube
) -> None:
    first = deploy(kube, [namespace(), config_map(a="1"), deployment()])
    before = fake_kube.objects
    result = preview(
        previewer, [namespace(), config_map(a="2"), deployment()], previous=first.inventory
    )
    assert changes(result) == {
        "Namespace shop": "unchanged",
        "ConfigMap shop/settings": "update",
        "Deployment shop/api": "unchanged",
    }
    live, desired = result.pairs()[1]
    assert live is not None
    assert desired is not None
    assert (live["data"], desired["data"]) == ({"a": "1"}, {"a": "2"})
    for obj in (live, desired):
        assert set(obj["metadata"]) == {"name", "namespace", "labels"}
    assert "status" not in result.items[2].live  # type: ignore[operator]
    assert [item.ref for item in result.changed()] == [
        ObjectRef("v1", "ConfigMap", "shop", "settings")
    ]
    assert fake_kube.objects == before


def test_objects_no_longer_rendered_are_previewed_as_pruned(
    previewer: Previewer, kube: KubeClient, fake_kube: FakeKube
) -> None:
    first = deploy(kube, [namespace(), config_map("old", a="1"), config_map("kept", a="1")])
    relabel = {"name": "kept", "namespace": "shop", "labels": {"sbkube.io/app": "someone-else"}}
    server_side_apply(kube, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": relabel})
    result = preview(previewer, [namespace()], previous=first.inventory)
    assert changes(result) == {"Namespace shop": "unchanged", "ConfigMap shop/old": "delete"}
    pruned = result.items[1]
    assert pruned.desired is None
    assert pruned.live is not None
    assert pruned.live["data"] == {"a": "1"}
    assert fake_kube.names("ConfigMap", "shop") == ["kept", "old"]


def test_custom_resources_of_a_new_crd_are_creates_without_validation(
    previewer: Previewer, kube: KubeClient
) -> None:
    deploy(kube, [namespace()])
    result = preview(previewer, [crd(), custom_resource()])
    assert changes(result) == {
        "CustomResourceDefinition widgets.example.com": "create",
        "Widget shop/w1": "create",
    }
    crd_item, widget_item = result.items
    assert crd_item.validated
    assert not widget_item.validated
    assert widget_item.note == "its kind Widget (example.com/v1) is not served by the cluster yet"
    assert widget_item.desired is not None
    assert widget_item.desired["metadata"]["namespace"] == "shop"


def test_missing_namespace_is_reported_not_failed(previewer: Previewer) -> None:
    result = preview(previewer, [config_map(a="1")])
    (item,) = result.items
    assert (item.change, item.validated) == (Change.CREATE, False)
    assert item.note == "namespace shop is created by this deploy"  # the app's own namespace


def test_a_namespace_another_app_of_the_run_creates_is_understood(kube: KubeClient) -> None:
    previewer = Previewer(kube, cluster="test", created_namespaces={"tenant"})
    in_tenant, in_ghost = config_map("a", a="1"), config_map("b", b="1")
    in_tenant["metadata"]["namespace"] = "tenant"
    in_ghost["metadata"]["namespace"] = "ghost"

    result = preview(previewer, [in_tenant, in_ghost])

    assert {str(item.ref): item.note for item in result.items} == {
        "ConfigMap tenant/a": "namespace tenant is created by this deploy",
        "ConfigMap ghost/b": "namespace ghost does not exist and nothing in this deploy creates it",
    }


def test_hooks_are_listed_but_not_dry_run(previewer: Previewer, kube: KubeClient) -> None:
    deploy(kube, [namespace()])
    result = preview(previewer, [hook_job("migrate", "pre-upgrade")])
    (item,) = result.items
    assert (item.change, item.validated) == (Change.CREATE, False)
    assert item.note.startswith("helm hook")


def test_a_field_owned_by_another_manager_fails_unless_forced(
    previewer: Previewer, kube: KubeClient
) -> None:
    deploy(kube, [namespace(), config_map(a="1")])
    edited = config_map(a="edited")
    edited["metadata"]["namespace"] = "shop"
    server_side_apply(kube, edited)
    with pytest.raises(DeployError) as error:
        preview(previewer, [namespace(), config_map(a="2")])
    assert str(error.value) == (
        "app shop: dry run: ConfigMap shop/settings conflicts with field manager kubectl on "
        ".data.a; set force_conflicts: true on the app to take ownership"
    )
    forced = preview(previewer, [namespace(), config_map(a="2")], force_conflicts=True)
    live, desired = forced.pairs()[1]
    assert live is not None
    assert desired is not None
    assert (live["data"], desired["data"]) == ({"a": "edited"}, {"a": "2"})
