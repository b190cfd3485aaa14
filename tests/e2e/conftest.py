"""Fixtures for ``cluster`` tests: the real cluster named by SBKUBE_E2E_KUBECONFIG.

Every test gets its own namespace (``sbkube-e2e-<random>``), deleted afterwards, so tests can
run against a shared cluster, in any order, and leave nothing behind.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sbkube_ci.deploy.inventory import ObjectRef
from sbkube_ci.deploy.kube import KubeClient
from sbkube_ci.deploy.live import LiveObjects


@pytest.fixture(scope="session")
def e2e_kubeconfig() -> Path:
    value = os.environ.get("SBKUBE_E2E_KUBECONFIG", "")
    if not value:
        pytest.skip("set SBKUBE_E2E_KUBECONFIG to run tests on a real cluster")
    return Path(value)


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
