"""Helm mode: the request deploy builds, checked by running real helm against a stopped server.

helm cannot install into the fake API server, so the install itself is in tests/e2e/
(``test_deploy_helm_mode_end_to_end``); here helm really runs and fails to connect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.deploy.helm_release import HelmReleases
from sbkube_ci.deploy.run.helm_apps import helm_request
from sbkube_ci.deploy.run.jobs import AppTask
from sbkube_ci.render.pipeline import render_project
from sbkube_ci.state import AppState, HelmReleaseRef, StateDocument
from tests.fakekube.fixture import FakeKube
from tests.support.projects import DeployProject, deploy_project, write_files

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    "values.yaml": "color: blue\n",
    "templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n"
        "  color: {{ .Values.color }}\n"
    ),
}


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    project = deploy_project(tmp_path, fake_kube, ready=False, namespaces=(), root=".")
    write_files(tmp_path / "charts" / "web", CHART)
    project.apps["web"] = {
        "type": "helm",
        "chart": "./charts/web",
        "release_name": "shop-web",
        "create_namespace": True,
        "atomic": True,
        "timeout": "45s",
        "set_values": {"color": "green"},
    }
    return project


def test_helm_deploy_failure_is_one_line_and_nothing_is_recorded(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    fake_kube.stop()

    report, _ = project.deploy()

    assert report.exit_code == 1
    [result] = report.results
    assert result.result == "failed"
    # The namespace check before helm runs is the first to find the server gone.
    assert result.detail.startswith("cannot reach the Kubernetes API server at 127.0.0.1:")
    assert "\n" not in result.detail
    assert project.backend().read_state("prod").apps == {}
    assert project.backend().lock_status("prod") is None


def test_the_upgrade_request_uses_the_built_chart_and_the_cluster_values(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    loaded = project.load()
    rendered = render_project(loaded, clusters=["prod"]).apps[("prod", "web")]
    task = AppTask("web", "create", "helm", rendered=rendered)

    request = helm_request(
        loaded, cluster_name="prod", cluster=loaded.config.clusters["prod"], task=task
    )

    chart = project.root / ".sbkube" / "build" / "web"
    assert request.chart == chart
    assert request.values_file == chart / "values.sbkube.prod.yaml"
    assert request.values_file is not None
    assert "green" in request.values_file.read_text()
    assert (request.release, request.namespace, request.timeout) == ("shop-web", "shop", 45.0)
    helm = HelmReleases(project.root / ".sbkube" / "helm")
    argv = helm.upgrade_argv(request)
    assert argv[1:3] == ["upgrade", "--install"]
    assert argv[-3:] == ["--", "shop-web", str(chart)]
    atomic = "--rollback-on-failure" if helm.major() >= 4 else "--atomic"
    assert {"--create-namespace", atomic, "--wait"} <= set(argv)
    assert argv[argv.index("--timeout") + 1] == "45s"


def test_a_removed_helm_app_is_uninstalled_with_helm(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    backend = project.backend()

    def deployed(doc: StateDocument) -> StateDocument:
        release = HelmReleaseRef(name="old-api", namespace="shop", revision=4)
        doc.apps["old-api"] = AppState(revision=2, helm=release)
        return doc

    backend.update("prod", deployed)
    del project.apps["web"]
    fake_kube.stop()

    report, _ = project.deploy()

    [result] = report.results
    assert (result.app, result.action, result.result) == ("old-api", "delete", "failed")
    assert result.detail.startswith("app old-api: helm uninstall old-api failed: ")
    assert "old-api" in project.backend().read_state("prod").apps
