"""The fake API server as the tests reach it: a client, an applier, a person with kubectl."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sbkube_ci.deploy.apply.applier import Applier, ApplyResult
from sbkube_ci.deploy.apply.readiness import ReadinessWaiter
from sbkube_ci.deploy.kube.client import KubeClient
from tests.fakekube.fixture import FakeKube


@pytest.fixture
def kube(fake_kube: FakeKube) -> Iterator[KubeClient]:
    """A client of the ``fake_kube`` server (context ``fake``)."""
    with KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake") as client:
        yield client


def fast_applier(kube: KubeClient, max_interval: float = 0.1) -> Applier:
    """An Applier for cluster ``test`` that polls readiness every few hundredths of a second."""
    waiter = ReadinessWaiter(kube, first_interval=0.01, max_interval=max_interval)
    return Applier(kube, cluster="test", waiter=waiter)


def apply_app(applier: Applier, objects: list[dict[str, Any]], **options: Any) -> ApplyResult:
    """Apply copies of ``objects`` as app ``shop`` into namespace ``shop`` within 10 s.

    ``options`` go to ``Applier.apply_app``; ``previous`` is the app's last inventory.
    """
    options.setdefault("namespace", "shop")
    options.setdefault("timeout", 10.0)
    previous = options.pop("previous", [])
    return applier.apply_app("shop", copy.deepcopy(objects), previous, **options)


def server_side_apply(kube: KubeClient, obj: dict[str, Any], *, manager: str = "kubectl") -> None:
    """What `kubectl apply --server-side --force-conflicts` sends, as field manager ``manager``."""
    resource = kube.resource(obj["apiVersion"], obj["kind"])
    kube.dynamic.server_side_apply(
        resource,
        body=obj,
        name=obj["metadata"]["name"],
        namespace=obj["metadata"].get("namespace"),
        field_manager=manager,
        force_conflicts=True,
    )


def kube_apply(kubeconfig: Path, obj: dict[str, Any], *, manager: str = "kubectl") -> None:
    """Server-side apply ``obj`` as another field manager (a person with kubectl)."""
    with KubeClient.from_kubeconfig(kubeconfig, None) as client:
        server_side_apply(client, obj, manager=manager)


def kube_delete(kubeconfig: Path, api_version: str, kind: str, namespace: str, name: str) -> None:
    """Delete an object behind sbkube-ci's back."""
    with KubeClient.from_kubeconfig(kubeconfig, None) as client:
        resource = client.resource(api_version, kind)
        client.dynamic.delete(resource, name=name, namespace=namespace)
