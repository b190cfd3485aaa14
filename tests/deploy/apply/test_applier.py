"""Applying apps to the fake API server over HTTP: actions, ordering, hooks, prune, dry run."""

from __future__ import annotations

import pytest

from sbkube_ci.deploy.apply.applier import (
    Applier,
    ApplyError,
    ApplyResult,
    ObjectOutcome,
)
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import APP_LABEL, MANAGED_BY_LABEL, ObjectRef
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import apply_app as apply
from tests.support.cluster import fast_applier
from tests.support.objects import config_map, crd, custom_resource, deployment, hook_job, namespace


@pytest.fixture
def applier(kube: KubeClient, fake_kube: FakeKube) -> Applier:
    fake_kube.auto_ready()
    return fast_applier(kube)


def actions(result: ApplyResult) -> dict[str, str]:
    return {str(r.ref): r.outcome.value for r in result.results if not r.hook}


def test_first_apply_creates_labelled_objects(applier: Applier, fake_kube: FakeKube) -> None:
    result = apply(applier, [deployment(), config_map(a="1"), namespace()])
    assert actions(result) == {
        "Namespace shop": "created",
        "ConfigMap shop/settings": "created",
        "Deployment shop/api": "created",
    }
    assert [str(ref) for ref in result.inventory] == [
        "Namespace shop",
        "ConfigMap shop/settings",
        "Deployment shop/api",
    ]
    stored = fake_kube.get("Deployment", "shop", "api")
    assert stored is not None
    assert stored["metadata"]["labels"] == {
        MANAGED_BY_LABEL: "sbkube-ci",
        APP_LABEL: "shop",
        "sbkube.io/cluster": "test",
    }
    managers = {(m["manager"], m["operation"]) for m in stored["metadata"]["managedFields"]}
    assert ("sbkube-ci", "Apply") in managers
    patches = [path for method, path in fake_kube.requests if method == "PATCH"]
    assert all("fieldManager=sbkube-ci" in p and "force" not in p for p in patches)


def test_reapply_reports_configured_and_unchanged(applier: Applier, fake_kube: FakeKube) -> None:
    first = apply(applier, [namespace(), config_map(a="1"), deployment()])
    rv = fake_kube.require("Deployment", "shop", "api")["metadata"]["resourceVersion"]
    second = apply(
        applier, [namespace(), config_map(a="2"), deployment()], previous=first.inventory
    )
    assert actions(second) == {
        "Namespace shop": "unchanged",
        "ConfigMap shop/settings": "configured",
        "Deployment shop/api": "unchanged",
    }
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"a": "2"}
    assert fake_kube.require("Deployment", "shop", "api")["metadata"]["resourceVersion"] == rv


def test_prune_deletes_what_left_the_manifests(applier: Applier, fake_kube: FakeKube) -> None:
    first = apply(applier, [namespace(), config_map(a="1"), deployment()])
    second = apply(applier, [namespace(), deployment()], previous=first.inventory)
    assert second.refs(ObjectOutcome.PRUNED) == [ObjectRef("v1", "ConfigMap", "shop", "settings")]
    assert fake_kube.get("ConfigMap", "shop", "settings") is None
    assert ObjectRef("v1", "ConfigMap", "shop", "settings") not in second.inventory


def test_prune_keeps_objects_without_our_label(
    applier: Applier, kube: KubeClient, fake_kube: FakeKube
) -> None:
    first = apply(applier, [namespace(), deployment()])
    foreign = config_map("handmade", x="1") | {
        "metadata": {"name": "handmade", "namespace": "shop"}
    }
    kube.resource("v1", "ConfigMap").create(body=foreign, namespace="shop")
    previous = [*first.inventory, ObjectRef("v1", "ConfigMap", "shop", "handmade")]
    second = apply(applier, [namespace(), deployment()], previous=previous)
    assert second.refs(ObjectOutcome.KEPT) == [ObjectRef("v1", "ConfigMap", "shop", "handmade")]
    assert second.refs(ObjectOutcome.PRUNED) == []
    assert fake_kube.get("ConfigMap", "shop", "handmade") is not None


def test_dry_run_stores_nothing_and_reports(applier: Applier, fake_kube: FakeKube) -> None:
    result = apply(applier, [namespace(), config_map(a="1"), deployment()], dry_run=True)
    assert set(actions(result).values()) == {"created"}
    assert fake_kube.objects == []
    first = apply(applier, [namespace(), config_map(a="1"), deployment()])
    before = fake_kube.objects
    seen = len(fake_kube.requests)
    changed = apply(
        applier, [namespace(), deployment(replicas=3)], previous=first.inventory, dry_run=True
    )
    assert actions(changed)["Deployment shop/api"] == "configured"
    assert changed.refs(ObjectOutcome.PRUNED) == [ObjectRef("v1", "ConfigMap", "shop", "settings")]
    assert fake_kube.objects == before
    writes = [p for m, p in fake_kube.requests[seen:] if m in ("PATCH", "DELETE", "POST", "PUT")]
    assert writes
    assert all("dryRun=All" in p for p in writes)


def test_crd_is_established_before_its_custom_resources(
    applier: Applier, fake_kube: FakeKube
) -> None:
    fake_kube.set_crd_established_delay(0.5)
    result = apply(applier, [custom_resource(), crd(), namespace()])
    assert actions(result)["Widget shop/w1"] == "created"
    assert [str(r) for r in result.inventory] == [
        "Namespace shop",
        "CustomResourceDefinition widgets.example.com",
        "Widget shop/w1",
    ]
    assert fake_kube.names("Widget", "shop") == ["w1"]


def test_dry_run_with_a_new_crd_reports_its_resources(applier: Applier) -> None:
    result = apply(applier, [custom_resource(), crd(), namespace()], dry_run=True)
    assert actions(result)["Widget shop/w1"] == "created"
    assert "not validated" in next(r.note for r in result.results if r.ref.kind == "Widget")


def _writes(fake_kube: FakeKube) -> list[str]:
    return [f"{m} {p.split('?')[0]}" for m, p in fake_kube.requests if m in ("PATCH", "DELETE")]


def test_hooks_run_in_their_phases(applier: Applier, fake_kube: FakeKube) -> None:
    objects = [
        deployment(),
        namespace(),
        hook_job("migrate", "pre-install,pre-upgrade", policy="hook-succeeded"),
        hook_job("notify", "post-install"),
        hook_job("smoke", "test"),
    ]
    result = apply(applier, objects)
    writes = _writes(fake_kube)
    jobs = "/apis/batch/v1/namespaces/shop/jobs"
    assert writes.index(f"PATCH {jobs}/migrate") < writes.index(
        "PATCH /apis/apps/v1/namespaces/shop/deployments/api"
    )
    assert writes.index(f"DELETE {jobs}/migrate") < writes.index(f"PATCH {jobs}/notify")
    assert fake_kube.get("Job", "shop", "migrate") is None  # hook-succeeded
    assert fake_kube.get("Job", "shop", "notify") is not None
    assert fake_kube.get("Job", "shop", "smoke") is None  # test hooks are not deploy hooks
    assert [str(r) for r in result.inventory] == ["Namespace shop", "Deployment shop/api"]
    upgrade = apply(applier, objects, previous=result.inventory)
    assert [str(r.ref) for r in upgrade.results if r.hook] == ["Job shop/migrate"]


def test_before_hook_creation_replaces_the_previous_hook(
    applier: Applier, fake_kube: FakeKube
) -> None:
    objects = [namespace(), deployment(), hook_job("migrate", "pre-install,pre-upgrade")]
    first = apply(applier, objects)
    uid = fake_kube.require("Job", "shop", "migrate")["metadata"]["uid"]
    apply(applier, objects, previous=first.inventory)
    assert fake_kube.require("Job", "shop", "migrate")["metadata"]["uid"] != uid


def test_failed_hook_job_stops_the_deploy(
    applier: Applier, kube: KubeClient, fake_kube: FakeKube
) -> None:
    apply(applier, [namespace()])
    fake_kube.auto_ready(False)
    pre = hook_job("migrate", "pre-install", policy="hook-succeeded")
    existing = pre | {"metadata": {"name": "migrate"}}
    kube.resource("batch/v1", "Job").create(body=existing, namespace="shop")
    failed = {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
    fake_kube.set_status("Job", "shop", "migrate", {"conditions": [failed]})
    with pytest.raises(DeployError) as error:
        # before-hook-creation is not set, so the failed Job is the one being waited for.
        applier.apply_app("shop", [pre], [], namespace="shop", timeout=2, wait=False)
    assert str(error.value) == (
        "app shop: pre-install hook Job shop/migrate failed: "
        "job shop/migrate failed (BackoffLimitExceeded)"
    )


def test_rbac_denial_names_verb_resource_and_namespace(
    applier: Applier, fake_kube: FakeKube
) -> None:
    apply(applier, [namespace()])
    fake_kube.forbid("patch", "deployments", "shop")
    with pytest.raises(ApplyError) as error:
        apply(applier, [deployment(), config_map(a="1")])
    # What was applied before the failure is reported, so the state can still prune it later.
    # (and the namespace the app created before, which stays recorded as the app's)
    assert error.value.result.inventory == [
        ObjectRef("v1", "Namespace", None, "shop"),
        ObjectRef("v1", "ConfigMap", "shop", "settings"),
    ]
    message = str(error.value)
    assert message.startswith("RBAC forbids patch on deployments in namespace shop")
    assert 'grant the deploying identity patch on deployments (apiGroups: ["apps"])' in message


def test_a_missing_app_namespace_is_created_labelled_and_recorded(
    applier: Applier, fake_kube: FakeKube
) -> None:
    result = apply(applier, [config_map(a="1")], namespace="fresh")

    assert [str(ref) for ref in result.inventory] == ["Namespace fresh", "ConfigMap fresh/settings"]
    labels = fake_kube.require("Namespace", None, "fresh")["metadata"]["labels"]
    assert labels[MANAGED_BY_LABEL] == "sbkube-ci"
    assert labels[APP_LABEL] == "shop"
    again = apply(applier, [config_map(a="2")], namespace="fresh", previous=result.inventory)
    assert again.inventory == result.inventory  # still the app's: recorded, not pruned


def test_a_namespace_is_pruned_only_when_no_app_uses_it(
    applier: Applier, fake_kube: FakeKube
) -> None:
    first = apply(applier, [config_map(a="1")], namespace="fresh")
    moved = apply(applier, [config_map(a="1")], namespace="other", previous=first.inventory,
                  keep_namespaces={"fresh"})  # fmt: skip
    assert fake_kube.get("Namespace", None, "fresh") is not None
    assert [r.note for r in moved.results if r.ref.name == "fresh"] == [
        "namespace fresh is still used by an app"
    ]
    apply(applier, [config_map(a="1")], namespace="other", previous=first.inventory)
    assert fake_kube.get("Namespace", None, "fresh") is None


def test_an_object_in_another_missing_namespace_is_rejected(applier: Applier) -> None:
    ghost = config_map(a="1")
    ghost["metadata"]["namespace"] = "ghost"
    with pytest.raises(DeployError) as error:
        apply(applier, [ghost], namespace="shop")
    assert str(error.value) == (
        "cannot patch ConfigMap ghost/settings: namespace ghost does not exist; "
        "add a Namespace object to the app or deploy it first"
    )


def test_field_manager_conflict_points_at_force(
    applier: Applier, kube: KubeClient, fake_kube: FakeKube
) -> None:
    first = apply(applier, [namespace(), deployment()])
    kube.resource("apps/v1", "Deployment").patch(
        body={"spec": {"replicas": 5}},
        name="api",
        namespace="shop",
        content_type="application/merge-patch+json",
        field_manager="kubectl-edit",
    )
    with pytest.raises(DeployError) as error:
        apply(applier, [namespace(), deployment()], previous=first.inventory)
    assert str(error.value) == (
        "Deployment shop/api conflicts with field manager kubectl-edit on .spec.replicas; "
        "set force_conflicts: true on the app to take ownership"
    )
    forced = apply(
        applier, [namespace(), deployment()], previous=first.inventory, force_conflicts=True
    )
    assert actions(forced)["Deployment shop/api"] == "configured"
    assert fake_kube.require("Deployment", "shop", "api")["spec"]["replicas"] == 2


def test_invalid_object_names_the_object(applier: Applier) -> None:
    broken = deployment()
    del broken["spec"]["selector"]
    with pytest.raises(DeployError) as error:
        apply(applier, [namespace(), broken])
    assert str(error.value) == (
        'Deployment shop/api is invalid: Deployment.apps "api" is invalid: '
        "spec.selector: Required value"
    )


def test_duplicate_objects_are_refused_before_any_write(
    applier: Applier, fake_kube: FakeKube
) -> None:
    with pytest.raises(DeployError, match="ConfigMap settings appears twice"):
        apply(applier, [namespace(), config_map(a="1"), config_map(a="2")])
    assert fake_kube.objects == []


def test_object_ref_round_trips_through_dicts() -> None:
    ref = ObjectRef("apps/v1", "Deployment", "shop", "api")
    assert ObjectRef.from_dict(ref.to_dict()) == ref
    cluster_scoped = ObjectRef("v1", "Namespace", None, "shop")
    assert cluster_scoped.to_dict() == {"apiVersion": "v1", "kind": "Namespace", "name": "shop"}
    assert sorted([ref, cluster_scoped], key=ObjectRef.key) == [cluster_scoped, ref]
