"""Readiness rules per kind, and waiting on the fake API server with statuses set by tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sbkube_ci.deploy.apply.readiness import ReadinessWaiter, check
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import ObjectRef
from tests.fakekube.fixture import FakeKube

API = ObjectRef("apps/v1", "Deployment", "shop", "api")
DB = ObjectRef("apps/v1", "StatefulSet", "shop", "db")


def _deployment(spec_replicas: int = 3, generation: int = 1, **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "generation": generation},
        "spec": {"replicas": spec_replicas},
        "status": status,
    }


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"observedGeneration": 1}, "0/3 replicas updated"),
        ({"observedGeneration": 0}, "controller has not observed generation 1 yet"),
        ({"observedGeneration": 1, "updatedReplicas": 3, "replicas": 4}, "1 old replicas"),
        ({"observedGeneration": 1, "updatedReplicas": 3, "availableReplicas": 1}, "1/3 replicas"),
    ],
)
def test_deployment_not_ready_says_why(status: dict[str, Any], reason: str) -> None:
    state = check(_deployment(**status))
    assert not state.ready
    assert state.reason.startswith(reason)


def test_deployment_rolled_out_is_ready() -> None:
    status = {"observedGeneration": 2, "updatedReplicas": 3, "availableReplicas": 3, "replicas": 3}
    assert check(_deployment(generation=2, **status)).ready


def test_deployment_past_its_progress_deadline_failed() -> None:
    condition = {"type": "Progressing", "reason": "ProgressDeadlineExceeded", "message": "slow"}
    state = check(_deployment(conditions=[condition]))
    assert state.failed
    assert "slow" in state.reason


def test_statefulset_waits_for_the_update_revision() -> None:
    obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"generation": 1},
        "spec": {"replicas": 2},
        "status": {
            "observedGeneration": 1,
            "readyReplicas": 2,
            "updatedReplicas": 2,
            "currentRevision": "db-1",
            "updateRevision": "db-2",
        },
    }
    assert check(obj).reason == "revision db-2 not rolled out (current db-1)"
    obj["status"]["currentRevision"] = "db-2"
    assert check(obj).ready


def test_daemonset_counts_scheduled_pods() -> None:
    obj = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"generation": 1},
        "status": {
            "observedGeneration": 1,
            "desiredNumberScheduled": 3,
            "updatedNumberScheduled": 3,
            "numberAvailable": 2,
        },
    }
    assert check(obj).reason == "2/3 pods available"
    obj["status"]["numberAvailable"] = 3
    assert check(obj).ready


def test_job_complete_and_failed() -> None:
    def job(**status: Any) -> dict[str, Any]:
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {}, "status": status}

    assert check(job(conditions=[{"type": "Complete", "status": "True"}])).ready
    failed = {"type": "Failed", "status": "True", "reason": "DeadlineExceeded", "message": "late"}
    state = check(job(conditions=[failed]))
    assert state.failed
    assert state.reason == "failed (DeadlineExceeded: late)"
    assert check(job(active=1)).reason == "not complete (0 succeeded, 1 active)"


def test_kinds_without_rollout_are_ready() -> None:
    assert check({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}).ready


# -- waiting against the fake server ------------------------------------------------------


@pytest.fixture
def kube(fake_kube: FakeKube) -> Iterator[KubeClient]:
    namespaces = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    with KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake") as client:
        client.resource("v1", "Namespace").create(body=namespaces)
        for ref in (API, DB):
            body = {
                "apiVersion": ref.api_version,
                "kind": ref.kind,
                "metadata": {"name": ref.name, "namespace": "shop"},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": ref.name}},
                    "template": {"metadata": {"labels": {"app": ref.name}}},
                },
            }
            client.resource(ref.api_version, ref.kind).create(body=body, namespace="shop")
        yield client


def _waiter(kube: KubeClient, lines: list[str] | None = None) -> ReadinessWaiter:
    progress = lines.append if lines is not None else None
    return ReadinessWaiter(
        kube, progress=progress, first_interval=0.02, max_interval=0.1, progress_every=0.05
    )


ROLLED_OUT = {"observedGeneration": 1, "updatedReplicas": 3, "availableReplicas": 3}
DB_READY = {
    "observedGeneration": 1,
    "readyReplicas": 3,
    "updatedReplicas": 3,
    "currentRevision": "db-1",
    "updateRevision": "db-1",
}


def test_wait_returns_once_statuses_report_ready(kube: KubeClient, fake_kube: FakeKube) -> None:
    fake_kube.set_status("Deployment", "shop", "api", ROLLED_OUT)
    lines: list[str] = []
    later = threading.Timer(0.3, fake_kube.set_status, ("StatefulSet", "shop", "db", DB_READY))
    later.start()
    try:
        _waiter(kube, lines).wait([API, DB], timeout=10)
    finally:
        later.cancel()
    assert lines, "a wait longer than progress_every reports progress"
    assert "statefulset shop/db: controller has not observed generation 1 yet" in lines[0]
    assert "deployment shop/api" not in lines[-1]


def test_timeout_lists_each_object_and_why(kube: KubeClient, fake_kube: FakeKube) -> None:
    fake_kube.set_status("Deployment", "shop", "api", {**ROLLED_OUT, "availableReplicas": 1})
    with pytest.raises(DeployError) as error:
        _waiter(kube).wait([API, DB], timeout=0.3)
    assert str(error.value) == (
        "timed out after 0.3s waiting for 2 object(s) to become ready: "
        "deployment shop/api: 1/3 replicas available; "
        "statefulset shop/db: controller has not observed generation 1 yet"
    )


def test_failed_job_fails_the_wait_at_once(kube: KubeClient, fake_kube: FakeKube) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "namespace": "shop"},
        "spec": {"template": {"spec": {}}},
    }
    kube.resource("batch/v1", "Job").create(body=job, namespace="shop")
    failed = {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
    fake_kube.set_status("Job", "shop", "migrate", {"conditions": [failed]})
    with pytest.raises(DeployError, match=r"^job shop/migrate failed \(BackoffLimitExceeded\)$"):
        _waiter(kube).wait([ObjectRef("batch/v1", "Job", "shop", "migrate")], timeout=30)
