"""A missing app namespace is created before deploy, recorded, and pruned only when unused."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.k8s import APP_LABEL
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map, namespace
from tests.support.projects import DeployProject, deploy_project


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    project = deploy_project(tmp_path, fake_kube, namespaces=(), root=".")
    project.settings["namespace"] = "fresh"
    return project


def _recorded(project: DeployProject, app: str) -> list[str]:
    state = project.backend().read_state("prod")
    return [f"{ref.kind} {ref.name}" for ref in state.apps[app].inventory]


def test_a_fresh_cluster_gets_the_app_namespace_kept_while_an_app_uses_it(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("api", [config_map("api")])
    project.app("web", [config_map("web")], depends_on=["api"])

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert fake_kube.require("Namespace", None, "fresh")["metadata"]["labels"][APP_LABEL] == "api"
    assert _recorded(project, "api") == ["Namespace fresh", "ConfigMap api"]
    assert _recorded(project, "web") == ["ConfigMap web"]  # it found the namespace there
    del project.apps["api"]
    del project.apps["web"]["depends_on"]
    report, _ = project.deploy()
    assert report.exit_code == 0, report.text()
    assert fake_kube.get("ConfigMap", "fresh", "api") is None
    assert fake_kube.get("Namespace", None, "fresh") is not None  # web still deploys there
    assert fake_kube.get("ConfigMap", "fresh", "web") is not None
    # web inherits the namespace: its next deploy records it, its removal prunes it
    assert fake_kube.require("Namespace", None, "fresh")["metadata"]["labels"][APP_LABEL] == "web"
    project.app("web", [config_map("web", color="green")])
    assert project.deploy()[0].exit_code == 0
    assert _recorded(project, "web") == ["Namespace fresh", "ConfigMap web"]
    project.app("other", [config_map("other")], namespace="elsewhere")
    del project.apps["web"]
    assert project.deploy()[0].exit_code == 0
    assert fake_kube.get("Namespace", None, "fresh") is None


def test_removing_the_last_app_of_a_namespace_it_created_prunes_it(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("api", [config_map("api")])
    project.app("other", [config_map("other")], namespace="elsewhere")
    assert project.deploy()[0].exit_code == 0
    del project.apps["api"]

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert fake_kube.get("Namespace", None, "fresh") is None
    assert fake_kube.get("Namespace", None, "elsewhere") is not None


def test_dry_run_understands_a_namespace_another_app_of_the_run_creates(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("base", [namespace("tenant")], namespace="tenant")
    project.app("web", [config_map("web")], namespace="tenant", depends_on=["base"])
    project.app("fresh", [config_map("fresh")])  # its own namespace, created for it

    report, _ = project.deploy(dry_run=True)

    assert report.exit_code == 0, report.text()
    assert [(r.app, r.result) for r in report.results] == [
        ("base", "dry run"),
        ("fresh", "dry run"),
        ("web", "dry run"),
    ]
    assert fake_kube.objects == []
