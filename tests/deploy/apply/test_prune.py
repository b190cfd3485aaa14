"""Prune against the fake API server: only our own objects go, dependents first."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sbkube_ci.deploy.apply.prune import prune
from sbkube_ci.deploy.apply.result import ObjectOutcome
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import ObjectRef
from tests.fakekube.fixture import FakeKube

NS = ObjectRef("v1", "Namespace", None, "shop")
OURS = ObjectRef("v1", "ConfigMap", "shop", "ours")
OTHER_APP = ObjectRef("v1", "ConfigMap", "shop", "billing")
GONE = ObjectRef("v1", "ConfigMap", "shop", "gone")


@pytest.fixture
def live(fake_kube: FakeKube) -> Iterator[LiveObjects]:
    with KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake") as kube:
        labels = {"app.kubernetes.io/managed-by": "sbkube-ci", "sbkube.io/app": "shop"}
        namespace = {"apiVersion": "v1", "kind": "Namespace"}
        kube.resource("v1", "Namespace").create(
            body={**namespace, "metadata": {"name": "shop", "labels": labels}}
        )
        for ref, app in ((OURS, "shop"), (OTHER_APP, "billing")):
            metadata = {"name": ref.name, "labels": {**labels, "sbkube.io/app": app}}
            body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}
            kube.resource("v1", "ConfigMap").create(body=body, namespace="shop")
        yield LiveObjects(kube)


def _prune(live: LiveObjects, *, dry_run: bool) -> dict[str, ObjectOutcome]:
    previous = [NS, OURS, OTHER_APP, GONE]
    deadline = time.monotonic() + 10
    results = prune(live, previous, [], app="shop", dry_run=dry_run, deadline=deadline)
    return {str(r.ref): r.outcome for r in results}


def test_prune_deletes_ours_keeps_other_apps_and_skips_missing(
    live: LiveObjects, fake_kube: FakeKube
) -> None:
    assert _prune(live, dry_run=False) == {
        "ConfigMap shop/ours": ObjectOutcome.PRUNED,
        "ConfigMap shop/billing": ObjectOutcome.KEPT,
        "Namespace shop": ObjectOutcome.PRUNED,
    }
    deletes = [path for method, path in fake_kube.requests if method == "DELETE"]
    # Contents before their namespace, so nothing is left to the namespace's cascade.
    assert deletes == [
        "/api/v1/namespaces/shop/configmaps/ours?propagationPolicy=Background",
        "/api/v1/namespaces/shop?propagationPolicy=Background",
    ]
    assert fake_kube.get("Namespace", None, "shop") is None


def test_dry_run_prune_reports_and_keeps_everything(live: LiveObjects, fake_kube: FakeKube) -> None:
    assert _prune(live, dry_run=True)["ConfigMap shop/ours"] is ObjectOutcome.PRUNED
    assert fake_kube.names("ConfigMap", "shop") == ["billing", "ours"]
    assert not [m for m, _ in fake_kube.requests if m == "DELETE"]
