"""Fixtures for ``cluster`` tests: a real Kubernetes API server.

That is the cluster named by SBKUBE_E2E_KUBECONFIG when it is set, and otherwise the project's
own control plane (tests/cluster/): kube-apiserver and kube-controller-manager built from the
k8s.io/kubernetes module, Debian's etcd and podsim in place of a kubelet, started once per
session.

Every test gets its own namespace (``sbkube-e2e-<random>``), deleted afterwards, so tests can
run against a shared cluster, in any order, and leave nothing behind.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import ObjectRef
from tests.cluster import controlplane


@pytest.fixture(scope="session")
def e2e_kubeconfig() -> Iterator[Path]:
    value = os.environ.get("SBKUBE_E2E_KUBECONFIG", "")
    if value:
        yield Path(value)
        return
    with controlplane.running() as plane:
        yield plane.kubeconfig


@pytest.fixture(scope="session")
def e2e_context() -> str | None:
    """The context to use (SBKUBE_E2E_CONTEXT), else the kubeconfig's current-context."""
    return os.environ.get("SBKUBE_E2E_CONTEXT") or None


@pytest.fixture
def kube(e2e_kubeconfig: Path, e2e_context: str | None) -> Iterator[KubeClient]:
    with KubeClient.from_kubeconfig(e2e_kubeconfig, e2e_context, read_timeout=120) as client:
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@pytest.fixture
def namespace(kube: KubeClient) -> Iterator[str]:
    """A fresh namespace, deleted (without waiting for it to terminate) after the test."""
    with fresh_namespace(kube) as name:
        yield name


@contextmanager
def fresh_namespace(kube: KubeClient) -> Iterator[str]:
    """A new namespace for the block (``namespace`` is one per test; this makes more)."""
    name = unique("sbkube-e2e")
    resource = kube.resource("v1", "Namespace")
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    kube.dynamic.server_side_apply(resource, body=body, name=name, field_manager="e2e")
    try:
        yield name
    finally:
        resource.delete(name=name, propagation_policy="Background")


def delete_and_wait(kube: KubeClient, ref: ObjectRef, timeout: float = 120.0) -> None:
    """Delete an object a test created outside its namespace (a CRD) and wait until it is gone."""
    resource = kube.resource(ref.api_version, ref.kind)
    LiveObjects(kube).delete(ref, resource, deadline=time.monotonic() + timeout)
