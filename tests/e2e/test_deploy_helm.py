"""``sbkube-ci deploy`` and ``rollback`` in helm mode on a real cluster (SBKUBE_E2E_KUBECONFIG)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.deploy.kube.client import KubeClient
from tests.e2e.conftest import fresh_namespace
from tests.fixtures.chart_repo import ChartRepo
from tests.support.projects import DeployProject

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    "values.yaml": "color: blue\n",
    "templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n"
        "  color: {{ .Values.color }}\n"
    ),
}


def _color(kube: KubeClient, namespace: str) -> str:
    resource = kube.resource("v1", "ConfigMap")
    return str(resource.get(name="web-settings", namespace=namespace).to_dict()["data"]["color"])


@pytest.mark.cluster
def test_deploy_helm_mode_end_to_end(
    kube: KubeClient, namespace: str, e2e_kubeconfig: Path, tmp_path: Path
) -> None:
    for name, text in CHART.items():
        path = tmp_path / "charts" / "web" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    project = DeployProject(tmp_path, {"e2e": e2e_kubeconfig})
    project.settings["namespace"] = namespace
    project.apps["web"] = {
        "type": "helm",
        "chart": "./charts/web",
        "set_values": {"color": "green"},
    }

    report, _ = project.deploy()
    assert report.exit_code == 0, report.text()
    assert _color(kube, namespace) == "green"
    project.apps["web"]["set_values"] = {"color": "red"}
    report, _ = project.deploy()
    assert report.exit_code == 0, report.text()
    assert _color(kube, namespace) == "red"
    state = project.backend().read_state("e2e").apps["web"]
    assert state.helm is not None
    assert state.helm.revision == 2

    result = CliRunner().invoke(cli, ["rollback", "web", "-C", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert _color(kube, namespace) == "green"
    assert project.backend().read_state("e2e").apps["web"].helm.revision == 3  # type: ignore[union-attr]


@pytest.mark.cluster
def test_each_cluster_deploys_its_own_chart_version(
    kube: KubeClient, namespace: str, e2e_kubeconfig: Path, two_versions: ChartRepo, tmp_path: Path
) -> None:
    """Two clusters of sbkube.yaml on one API server, each in its namespace: ``blue`` gets the
    app's chart version, ``green`` the one ``clusters.green.apps.web.version`` sets."""
    with fresh_namespace(kube) as other:
        project = DeployProject(tmp_path, {"blue": e2e_kubeconfig, "green": e2e_kubeconfig})
        project.settings = {"namespace": namespace, "helm_repos": {"acme": two_versions.url}}
        project.apps["web"] = {"type": "helm", "chart": "acme/web", "version": "1.0.0"}
        project.cluster_fields["green"] = {
            "namespace": other,
            "apps": {"web": {"version": "2.0.0"}},
        }

        report, _ = project.deploy()

        assert report.exit_code == 0, report.text()
        resource = kube.resource("v1", "ConfigMap")
        deployed = {
            ns: resource.get(name="web", namespace=ns).to_dict()["data"]["message"]
            for ns in (namespace, other)
        }
        assert deployed == {namespace: "one", other: "two"}
        state = {cluster: project.backend().read_state(cluster) for cluster in ("blue", "green")}
        versions = {name: [p.version for p in s.apps["web"].sources] for name, s in state.items()}
        assert versions == {"blue": ["1.0.0"], "green": ["2.0.0"]}
