"""``deploy`` honours clusters.<cluster>.apps.<app>: enabled and namespace on one cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map
from tests.support.projects import DeployProject, deploy_project


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    return deploy_project(tmp_path, fake_kube, namespaces=("shop", "shop-prod"))


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
