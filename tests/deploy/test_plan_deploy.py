"""``deploy --plan``: exactly what was reviewed, refused when the state or the render moved."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.errors import DeployError
from sbkube_ci.plan_model import AppPlan, ClusterPlan, Plan
from sbkube_ci.render.pipeline import render_project
from tests.deploy.project import DeployProject, config_map, kube_apply, namespace
from tests.fakekube.fixture import FakeKube


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    fake_kube.auto_ready()
    kube_apply(fake_kube.kubeconfig_path, namespace("shop"))
    root = tmp_path / "repo"
    root.mkdir()
    project = DeployProject(root, {"prod": fake_kube.kubeconfig_path})
    project.app("api", [config_map("api", color="blue")])
    project.app("web", [config_map("web", color="blue")])
    return project


def write_plan(project: DeployProject, revision: int, apps: list[str]) -> Path:
    render = render_project(project.load(), clusters=["prod"])
    planned = [
        AppPlan(name=name, action="create", render_digest=render.apps[("prod", name)].render_digest)
        for name in apps
    ]
    plan = Plan(clusters=[ClusterPlan(name="prod", state_revision=str(revision), apps=planned)])
    path = project.root / ".sbkube" / "plan.json"
    plan.write(path)
    return path


def test_deploys_only_the_apps_the_plan_marks(project: DeployProject, fake_kube: FakeKube) -> None:
    path = write_plan(project, 0, ["api"])

    report, _ = project.deploy(plan_path=path)

    assert report.exit_code == 0, report.text()
    assert [(r.app, r.result) for r in report.results] == [("api", "succeeded")]
    assert fake_kube.get("ConfigMap", "shop", "api") is not None
    assert fake_kube.get("ConfigMap", "shop", "web") is None


def test_refused_when_the_state_moved_since_the_plan(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    path = write_plan(project, 0, ["api"])
    project.deploy(apps=("web",))  # someone deployed after the plan was made: state r1

    with pytest.raises(
        DeployError, match=r"plan was made against state r0 but the state is now r1"
    ):
        project.deploy(plan_path=path)

    assert fake_kube.get("ConfigMap", "shop", "api") is None


def test_refused_when_the_render_differs_from_the_reviewed_one(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    path = write_plan(project, 0, ["api"])
    project.app("api", [config_map("api", color="red")])

    with pytest.raises(DeployError, match="app api renders differently from the reviewed plan"):
        project.deploy(plan_path=path)

    assert fake_kube.get("ConfigMap", "shop", "api") is None
    assert project.backend().lock_status("prod") is None


def test_plan_then_deploy_the_saved_plan_through_the_cli(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.write()
    runner = CliRunner()
    planned = runner.invoke(cli, ["plan", "-C", str(project.root)])
    assert planned.exit_code == 2, planned.output
    plan_path = project.root / ".sbkube" / "plan.json"

    deployed = runner.invoke(cli, ["deploy", "--plan", str(plan_path), "-C", str(project.root)])

    assert deployed.exit_code == 0, deployed.output
    assert fake_kube.get("ConfigMap", "shop", "api") is not None
    assert fake_kube.get("ConfigMap", "shop", "web") is not None
    again = runner.invoke(cli, ["deploy", "--plan", str(plan_path), "-C", str(project.root)])
    assert again.exit_code == 1
    assert "the plan was made against state r0 but the state is now r2" in again.output
