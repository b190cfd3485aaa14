"""``sbkube-ci deploy`` and ``rollback`` in helm mode on a real cluster (SBKUBE_E2E_KUBECONFIG)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.deploy.kube.client import KubeClient
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
