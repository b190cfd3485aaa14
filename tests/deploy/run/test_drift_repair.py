"""``deploy --force`` re-applies drifted apps whose render is unchanged; ``status`` says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import kube_apply, kube_delete
from tests.support.objects import config_map
from tests.support.projects import DeployProject, deploy_project


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    project = deploy_project(tmp_path, fake_kube, root=".")
    project.app("api", [config_map("api", color="blue"), config_map("api-extra")])
    project.app("web", [config_map("web", color="blue")])
    return project


def _cli(project: DeployProject, *args: str) -> tuple[int, str]:
    project.write()
    result = CliRunner().invoke(cli, [*args, "-C", str(project.root)])
    return result.exit_code, result.output


def test_force_reapplies_only_the_drifted_app(project: DeployProject, fake_kube: FakeKube) -> None:
    assert project.deploy()[0].exit_code == 0
    edited = config_map("api", color="red")
    edited["metadata"]["namespace"] = "shop"
    kube_apply(fake_kube.kubeconfig_path, edited, manager="kubectl-edit")
    kube_delete(fake_kube.kubeconfig_path, "v1", "ConfigMap", "shop", "api-extra")
    assert project.deploy()[0].results == []  # the render did not change

    report, _ = project.deploy(force=True)

    assert report.exit_code == 0, report.text()
    assert [(r.app, r.action, r.result) for r in report.results] == [("api", "update", "succeeded")]
    assert fake_kube.require("ConfigMap", "shop", "api")["data"] == {"color": "blue"}
    assert fake_kube.get("ConfigMap", "shop", "api-extra") is not None
    assert project.backend().read_state("prod").apps["api"].revision == 2
    assert project.deploy(force=True)[0].results == []  # nothing drifted any more


def test_status_says_how_to_fix_drift(project: DeployProject, fake_kube: FakeKube) -> None:
    assert project.deploy()[0].exit_code == 0
    kube_delete(fake_kube.kubeconfig_path, "v1", "ConfigMap", "shop", "web")

    code, output = _cli(project, "status")

    assert code == 2
    assert "  web: missing ConfigMap shop/web" in output
    assert "  fix: `sbkube-ci deploy --force --cluster prod --app web` re-applies" in output
    code, output = _cli(project, "deploy", "--force")
    assert code == 0, output
    assert _cli(project, "status")[0] == 0
