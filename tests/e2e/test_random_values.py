"""A chart with a generated password and a helm hook, on the real API server (apply mode).

As the documented CI workflow runs it: ``plan`` in one job, ``deploy --plan`` of the artifact in
another without the render cache, then a later deploy after another value changed. The reviewed
plan deploys although the password renders anew, and the password the first deploy stored is
the one that stays.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyrage import x25519

from sbkube_ci.cli import cli
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.state.sealing import KEY_ENV
from tests.support.projects import DeployProject, write_files

pytestmark = pytest.mark.cluster

CHART = {
    "charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n",
    "charts/db/values.yaml": "auth: {}\ncolor: blue\n",
    "charts/db/templates/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-auth\ndata:\n"
        "  password: {{ .Values.auth.password | default (randAlphaNum 20) | b64enc | quote }}\n"
    ),
    "charts/db/templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n  annotations:\n"
        "    checksum/secret: "
        '{{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}\n'
        "data:\n  color: {{ .Values.color }}\n"
    ),
    "charts/db/templates/hook.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db-migrated\n  annotations:\n"
        '    "helm.sh/hook": post-install,post-upgrade\ndata:\n  release: {{ .Release.Name }}\n'
    ),
}


def _password(kube: KubeClient, namespace: str) -> str:
    secret = kube.resource("v1", "Secret").get(name="db-auth", namespace=namespace).to_dict()
    return base64.b64decode(secret["data"]["password"]).decode()


def _plan_job(project: DeployProject) -> Path:
    """The plan job; then only plan.json reaches the deploy job's fresh checkout, with no
    render, build or cache (the state stays: it stands for the shared state backend)."""
    project.write()
    planned = CliRunner().invoke(cli, ["plan", "-C", str(project.root)])
    assert planned.exit_code == 2, planned.output
    work = project.root / ".sbkube"
    for entry in work.iterdir():
        if entry.name not in {"plan.json", "state"}:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return work / "plan.json"


def test_a_reviewed_plan_deploys_and_the_first_password_stays(
    kube: KubeClient,
    namespace: str,
    e2e_kubeconfig: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_ENV, str(x25519.Identity.generate()))
    write_files(tmp_path, CHART)
    project = DeployProject(tmp_path, {"e2e": e2e_kubeconfig})
    project.settings["namespace"] = namespace
    project.apps["db"] = {"type": "helm", "chart": "./charts/db", "deploy_mode": "apply"}

    report, _ = project.deploy(plan_path=_plan_job(project))
    assert report.exit_code == 0, report.text()
    first = _password(kube, namespace)
    hook = kube.resource("v1", "ConfigMap").get(name="db-migrated", namespace=namespace)
    assert hook.to_dict()["data"] == {"release": "db"}

    project.apps["db"]["set_values"] = {"color": "green"}
    report, lines = project.deploy(plan_path=_plan_job(project))

    assert report.exit_code == 0, report.text()
    assert _password(kube, namespace) == first
    cm = kube.resource("v1", "ConfigMap").get(name="db", namespace=namespace).to_dict()
    assert cm["data"] == {"color": "green"}
    assert "e2e/db: kept the deployed value of 2 random fields" in lines
    assert all(first not in line for line in lines)
    status = CliRunner().invoke(cli, ["status", "-C", str(project.root)])
    assert (status.exit_code, status.output) == (0, "e2e: no drift (1 app)\n")
