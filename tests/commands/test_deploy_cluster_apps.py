"""``deploy`` honours clusters.<cluster>.apps.<app>: enabled and namespace on one cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.project import DeployProject, config_map, kube_apply, namespace
from tests.fakekube.fixture import FakeKube


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    fake_kube.auto_ready()
    kube_apply(fake_kube.kubeconfig_path, namespace("shop"))
    kube_apply(fake_kube.kubeconfig_path, namespace("shop-prod"))
    root = tmp_path / "repo"
    root.mkdir()
    return DeployProject(root, {"prod": fake_kube.kubeconfig_path})


def test_disabling_an_app_on_a_cluster_prunes_it_there(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("config", [config_map("settings")])
    project.app("extra", [config_map("extra")])
    project.deploy()
    assert fake_kube.get("ConfigMap", "shop", "extra") is not None

    project.cluster_fields["prod"] = {"apps": {"extra": {"enabled": False}}}
    report, _ = project.deploy()

    assert [(r.app, r.action, r.result) for r in report.results] == [
        ("extra", "delete", "succeeded")
    ]
    assert fake_kube.get("ConfigMap", "shop", "extra") is None
    assert sorted(project.backend().read_state("prod").apps) == ["config"]


def test_an_app_enabled_on_one_cluster_only_deploys_there_in_its_namespace(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("config", [config_map("settings")], enabled=False)
    project.cluster_fields["prod"] = {
        "apps": {"config": {"enabled": True, "namespace": "shop-prod"}}
    }

    report, _ = project.deploy()

    assert [(r.app, r.action, r.result) for r in report.results] == [
        ("config", "create", "succeeded")
    ]
    assert fake_kube.get("ConfigMap", "shop-prod", "settings") is not None
    assert fake_kube.get("ConfigMap", "shop", "settings") is None


def test_an_exec_app_disabled_on_a_cluster_does_not_run_there(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.kubeconfigs["staging"] = fake_kube.kubeconfig_path  # a second cluster, same server
    project.apps["hello"] = {"type": "exec", "commands": ["true"]}
    project.cluster_fields["prod"] = {"apps": {"hello": {"enabled": False}}}

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert [(r.cluster, r.app, r.result) for r in report.results] == [
        ("staging", "hello", "succeeded")
    ]
