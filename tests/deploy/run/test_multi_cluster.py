"""Several clusters at once, each under its own lock and state; SIGTERM in mid deploy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tests.fakekube.fixture import FakeKube, kubeconfig
from tests.fakekube.server import FakeKubeServer
from tests.support.cluster import kube_apply
from tests.support.objects import config_map, deployment, namespace
from tests.support.projects import DeployProject, deploy_project

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def second_kube(tmp_path: Path) -> Iterator[Path]:
    server = FakeKubeServer()
    server.start()
    server.store.auto_ready = True
    path = tmp_path / "kubeconfig-staging"
    path.write_text(yaml.safe_dump(kubeconfig(server.url, context="staging")))
    try:
        yield path
    finally:
        server.stop()


def test_two_clusters_each_with_its_own_state(
    tmp_path: Path, fake_kube: FakeKube, second_kube: Path
) -> None:
    fake_kube.auto_ready()
    for config in (fake_kube.kubeconfig_path, second_kube):
        kube_apply(config, namespace("shop"))
    project = DeployProject(tmp_path, {"prod": fake_kube.kubeconfig_path, "staging": second_kube})
    project.app("config", [config_map("settings")])

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert [(r.cluster, r.result) for r in report.results] == [
        ("prod", "succeeded"),
        ("staging", "succeeded"),
    ]
    assert report.text().splitlines()[-2:] == ["prod: ok (1 app)", "staging: ok (1 app)"]
    backend = project.backend()
    assert backend.read_state("prod").revision == 1
    assert backend.read_state("staging").revision == 1


def test_one_cluster_failing_fails_the_run_not_the_other(
    tmp_path: Path, fake_kube: FakeKube, second_kube: Path
) -> None:
    kube_apply(second_kube, namespace("shop"))
    project = DeployProject(tmp_path, {"prod": fake_kube.kubeconfig_path, "staging": second_kube})
    project.app("config", [config_map("settings")])
    fake_kube.stop()

    report, _ = project.deploy(clusters=("staging", "prod"))

    assert report.exit_code == 1
    assert report.text().splitlines()[-2:] == [
        "staging: ok (1 app)",
        "prod: FAILED (1 of 1 app failed)",
    ]
    assert project.backend().read_state("staging").revision == 1
    assert project.backend().read_state("prod").revision == 0


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@contextmanager
def _deploy_process(root: Path) -> Iterator[subprocess.Popen[str]]:
    """``sbkube-ci deploy -C root`` in a child process for signals; killed if left running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sbkube_ci", "deploy", "-C", str(root)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_finishes_the_running_app_and_releases_the_lock(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.app("a-slow", [deployment("slow", replicas=1)])
    project.app("b-after", [config_map("after")], depends_on=["a-slow"])
    project.write()
    with _deploy_process(tmp_path) as process:
        _wait_for(lambda: fake_kube.get("Deployment", "shop", "slow") is not None)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        fake_kube.set_status(
            "Deployment",
            "shop",
            "slow",
            {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
             "availableReplicas": 1},
        )  # fmt: skip
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "SIGTERM received" in stderr
    assert fake_kube.get("ConfigMap", "shop", "after") is None
    backend = project.backend()
    assert sorted(backend.read_state("prod").apps) == ["a-slow"]
    assert backend.lock_status("prod") is None
    assert "b-after" in stdout


def test_sigterm_while_waiting_for_a_held_lock_stops_the_wait(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.extra["state"]["lock"]["wait"] = "10m"
    project.app("config", [config_map("settings")])
    with project.lock_held_by("bob") as bob:
        with _deploy_process(tmp_path) as process:
            assert process.stderr is not None
            waiting = process.stderr.readline()
            assert waiting.startswith("prod: waiting up to 10m 0s for the lock held by bob (pid 1)")
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)  # the lock wait alone is 10 min
        assert process.returncode == 130, stderr
        assert "cluster prod is locked by bob" in stdout
        assert fake_kube.get("ConfigMap", "shop", "settings") is None
        assert bob.lock_status("prod") is not None  # bob's lock is untouched


def test_kubeconfig_content_from_the_environment(
    tmp_path: Path, fake_kube: FakeKube, second_kube: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kube_apply(second_kube, namespace("shop"))
    monkeypatch.setenv("KUBECONFIG_STAGING", second_kube.read_text())
    project = DeployProject(tmp_path, {"staging": None})
    project.cluster_fields["staging"] = {"kubeconfig_env": "KUBECONFIG_STAGING"}
    project.app("config", [config_map("settings")])

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert project.backend().read_state("staging").apps["config"].revision == 1
    monkeypatch.delenv("KUBECONFIG_STAGING")
    project.app("config", [config_map("settings", color="red")])
    report, _ = project.deploy()
    [result] = report.results
    assert result.detail == (
        "cluster staging: environment variable KUBECONFIG_STAGING (kubeconfig_env) is not set; "
        "set it to the kubeconfig content, e.g. from a CI secret"
    )
