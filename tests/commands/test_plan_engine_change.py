"""A deploy recorded with Helm 3, then a plan with Helm 4: one engine line, no false changes.

The chart has a shape that renders differently across the two (as Loki's does): a subchart
whose defaults hold ``null`` values that reach the manifest through ``toYaml``, with the
parent's values overriding a sibling key. Helm 3.18 drops the nulls while merging; Helm 4
keeps them and renders ``loadBalancerClass: null``. Both apply as the same object, so the plan
must not show it as a change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.diff.text import render_text
from sbkube_ci.planning import make_plan
from tests.fakekube.fixture import FakeKube
from tests.support.projects import DeployProject, deploy_project, write_files

CHART = {
    "Chart.yaml": (
        "apiVersion: v2\nname: logs\nversion: 1.0.0\n"
        "dependencies: [{name: cache, version: 1.0.0}]\n"
    ),
    "values.yaml": "replicas: 2\n",
    "templates/config.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: logs\ndata:\n"
        "  replicas: {{ .Values.replicas | quote }}\n"
    ),
    "charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
    "charts/cache/values.yaml": (
        "service:\n  type: ClusterIP\n  loadBalancerClass: null\n  sessionAffinity: null\n"
    ),
    "charts/cache/templates/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: logs-cache\nspec:\n"
        "  {{- toYaml .Values.service | nindent 2 }}\n"
        "  selector: {app: logs}\n"
        "  ports: [{port: 3100}]\n"
    ),
}


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube, monkeypatch: pytest.MonkeyPatch) -> DeployProject:
    monkeypatch.delenv("SBKUBE_HELM", raising=False)  # settings.helm_version chooses here
    project = deploy_project(tmp_path, fake_kube, root=".")
    write_files(tmp_path / "charts" / "logs", CHART)
    project.apps["logs"] = {
        "type": "helm",
        "chart": "./charts/logs",
        "deploy_mode": "apply",
        "set_values": {"cache": {"service": {"type": "NodePort"}}},
    }
    return project


def _deploy_with_helm_3(project: DeployProject) -> str:
    project.settings["helm_version"] = 3
    report, _ = project.deploy()
    assert report.exit_code == 0, report.text()
    state = project.backend().read_state("prod").apps["logs"]
    assert state.helm_version.startswith("v3.18.")
    snapshot = project.backend().load_snapshot("prod", state.snapshot)
    assert "loadBalancerClass" not in snapshot
    return state.helm_version


def test_helm_3_deploy_then_helm_4_plan_reports_the_engine_and_no_change(
    project: DeployProject,
) -> None:
    old = _deploy_with_helm_3(project)
    project.settings["helm_version"] = 4

    outcome = make_plan(project.load(), clusters=["prod"])

    cluster = outcome.plan.cluster("prod")
    [app] = cluster.apps
    assert outcome.render.helm_version.startswith("v4.3.")
    # what makes the two renders differ:
    assert "loadBalancerClass: null" in outcome.render.apps[("prod", "logs")].text
    assert app.input_digest != project.backend().read_state("prod").apps["logs"].input_digest
    assert cluster.engine_note is not None
    assert cluster.engine_note.startswith(
        f"rendered with Helm {outcome.render.helm_version}, deployed with Helm {old} (1 app)"
    )
    assert app.action == "unchanged"
    assert [(o.title, o.action) for o in app.objects] == [
        ("ConfigMap shop/logs", "unchanged"),
        ("Service shop/logs-cache", "unchanged"),
    ]
    assert outcome.plan.exit_code() == 0
    text = render_text(outcome.plan)
    assert text.count("note: rendered with Helm") == 1
    assert text.splitlines()[1] == f"  note: {cluster.engine_note}"


def test_after_an_engine_change_only_the_real_change_shows(project: DeployProject) -> None:
    _deploy_with_helm_3(project)
    project.settings["helm_version"] = 4
    project.apps["logs"]["set_values"]["replicas"] = 3

    outcome = make_plan(project.load(), clusters=["prod"])

    [app] = outcome.plan.cluster("prod").apps
    assert app.action == "update"
    changed = [o.title for o in app.objects if o.action != "unchanged"]
    assert changed == ["ConfigMap shop/logs"]
    assert outcome.plan.cluster("prod").engine_note is not None
