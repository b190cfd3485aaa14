"""Faults during deploy: one line per app, exit code 1, the lock released, no state for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.commands.deploy import DeployReport
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import kube_apply
from tests.support.objects import config_map, deployment
from tests.support.projects import DeployProject, deploy_project


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    return deploy_project(tmp_path, fake_kube, ready=False)


def failed_line(project: DeployProject, report: DeployReport) -> str:
    """The one failure line; also checks the exit code, the lock and the state."""
    assert report.exit_code == 1
    [result] = [r for r in report.results if r.result == "failed"]
    assert "\n" not in result.detail
    backend = project.backend()
    assert backend.lock_status("prod") is None
    assert result.app not in backend.read_state("prod").apps
    return result.detail


def test_kubeconfig_that_does_not_parse(project: DeployProject, tmp_path: Path) -> None:
    broken = tmp_path / "broken-kubeconfig"
    broken.write_text("clusters: [unclosed\n")
    project.kubeconfigs["prod"] = broken
    project.app("config", [config_map("settings")])

    line = failed_line(project, project.deploy()[0])

    assert line.startswith("cluster prod: ")
    assert "broken-kubeconfig" in line


def test_kubeconfig_without_the_context(project: DeployProject) -> None:
    project.cluster_fields["prod"] = {"context": "nope"}
    project.app("config", [config_map("settings")])

    line = failed_line(project, project.deploy()[0])
    assert "no context 'nope'" in line
    assert "available contexts: fake" in line


def test_rbac_forbidden_names_verb_resource_and_namespace(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    fake_kube.forbid("patch", "configmaps", "shop")
    project.app("config", [config_map("settings")])

    line = failed_line(project, project.deploy()[0])

    assert "forbidden" in line.lower()
    assert "patch" in line
    assert "configmaps" in line
    assert "shop" in line


def test_object_rejected_by_the_server(project: DeployProject, fake_kube: FakeKube) -> None:
    fake_kube.auto_ready()
    bad = deployment("web", replicas=1)
    bad["spec"]["replicas"] = -1
    project.app("web", [bad])

    line = failed_line(project, project.deploy()[0])

    assert "Deployment shop/web" in line
    assert "spec.replicas" in line


def test_field_manager_conflict_explains_force_conflicts(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    taken = config_map("settings", namespace="shop", color="red")
    kube_apply(fake_kube.kubeconfig_path, taken, manager="helm")
    project.app("config", [config_map("settings", color="blue")])

    line = failed_line(project, project.deploy()[0])

    assert "helm" in line
    assert "force_conflicts" in line


def test_readiness_timeout_names_the_object_and_why(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.settings["timeout"] = "1s"
    project.app("web", [deployment("web", replicas=1)])

    line = failed_line(project, project.deploy()[0])

    assert "timed out after" in line
    assert "deployment shop/web: controller has not observed generation 1 yet" in line
