"""``deploy --plan``: exactly what was reviewed, refused when the state or the render moved."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sbkube_ci.ci.decide import Invocation
from sbkube_ci.cli import cli
from sbkube_ci.commands.deploy import deploy_for_ci
from sbkube_ci.errors import DeployError
from sbkube_ci.plan_model import AppPlan, ClusterPlan, Plan
from sbkube_ci.render.pipeline import render_project
from tests.fakekube.fixture import FakeKube
from tests.fixtures.chart_repo import ChartRepo
from tests.support.cluster import kube_apply
from tests.support.objects import config_map, namespace
from tests.support.projects import DeployProject, write_files


@pytest.fixture
def project(project: DeployProject) -> DeployProject:
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


def test_plan_out_and_deploy_plan_resolve_against_chdir(
    project: DeployProject, fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the job's cwd is not the project directory
    runner = CliRunner()
    planned = runner.invoke(cli, ["plan", "-C", str(project.root), "--out", "out/p.json"])
    assert planned.exit_code == 2, planned.output
    assert (project.root / "out" / "p.json").is_file()
    assert not (elsewhere / "out").exists()

    deployed = runner.invoke(cli, ["deploy", "-C", str(project.root), "--plan", "out/p.json"])

    assert deployed.exit_code == 0, deployed.output
    assert fake_kube.get("ConfigMap", "shop", "api") is not None


def test_a_missing_plan_file_fails_instead_of_planning_afresh(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.write()

    result = CliRunner().invoke(cli, ["deploy", "-C", str(project.root), "--plan", "gone.json"])

    assert result.exit_code == 1
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert f"plan file {project.root / 'gone.json'} not found" in error[0]
    assert "sbkube-ci plan --out" in error[0]
    assert fake_kube.get("ConfigMap", "shop", "api") is None  # nothing deployed
    assert project.backend().read_state("prod").revision == 0


def test_a_ci_deploy_without_the_plan_artifact_fails(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.write()
    invocation = Invocation(
        command="deploy",
        reason="push",
        chdir=project.root,
        plan_path=project.root / ".sbkube" / "plan.json",
    )

    with pytest.raises(DeployError, match=r"plan file .*plan\.json not found"):
        deploy_for_ci(invocation)

    assert fake_kube.get("ConfigMap", "shop", "api") is None


EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "github" / "plan-and-deploy.yml"


@pytest.mark.parametrize("working_directory", [".", "deploy/shop", "infra"])
def test_the_github_example_downloads_the_plan_where_deploy_reads_it(
    working_directory: str,
) -> None:
    workflow = yaml.safe_load(EXAMPLE.read_text())
    env = {**workflow["env"], "SBKUBE_DIR": working_directory}

    def expand(text: str) -> str:
        return re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", lambda m: env[m.group(1)], text)

    plan_step = next(s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "plan")
    steps = workflow["jobs"]["deploy"]["steps"]
    download = next(s for s in steps if "download-artifact" in s["uses"])
    action = next(s for s in steps if s["uses"].startswith("sbkube/action"))
    plan_dir = Path(expand(plan_step["with"]["working-directory"]))
    deploy_dir = Path(expand(action["with"]["working-directory"]))
    # The plan job's plan_path output is <working-directory>/<plan-path>; the artifact keeps
    # only the file name, so it must land in the directory deploy's plan-path names.
    uploaded = plan_dir / ".sbkube" / "plan.json"
    read_by_deploy = deploy_dir / action["with"]["plan-path"]
    downloaded = Path(expand(download["with"]["path"])) / uploaded.name
    assert plan_dir == Path(working_directory)
    assert downloaded == read_by_deploy == uploaded


RANDOM_CHART = {
    "charts/dash/Chart.yaml": "apiVersion: v2\nname: dash\nversion: 0.1.0\n",
    "charts/dash/values.yaml": "auth: {}\n",
    "charts/dash/templates/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dash-admin\ndata:\n"
        "  admin-password: {{ .Values.auth.adminPassword | default (randAlphaNum 16) | b64enc"
        " | quote }}\n"
    ),
    "charts/dash/templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\n"
        "  annotations:\n    checksum/secret: "
        '{{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}\n'
        'data:\n  color: {{ .Values.color | default "blue" }}\n'
    ),
}


def _plan_then_cold_checkout(project: DeployProject) -> Path:
    """``plan`` as the plan job runs it; then only plan.json reaches the deploy job's fresh
    checkout (the artifact), with no render or cache."""
    project.write()
    planned = CliRunner().invoke(cli, ["plan", "-C", str(project.root)])
    assert planned.exit_code == 2, planned.output
    work = project.root / ".sbkube"
    plan_text = (work / "plan.json").read_text()
    shutil.rmtree(work)
    work.mkdir()
    (work / "plan.json").write_text(plan_text)
    return work / "plan.json"


def test_a_chart_that_renders_randomly_deploys_its_reviewed_plan_on_a_new_runner(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    """The reviewed diff leaves out the fields a chart renders at random (the plan warns of
    them), so a new render that differs only there is what was reviewed."""
    write_files(project.root, RANDOM_CHART)
    project.apps["dash"] = {"type": "helm", "chart": "./charts/dash", "deploy_mode": "apply"}
    path = _plan_then_cold_checkout(project)
    planned = next(a for a in Plan.read(path).cluster("prod").apps if a.name == "dash")
    assert sorted((f.kind, f.path) for f in planned.random_fields) == [
        ("ConfigMap", ["metadata", "annotations", "checksum/secret"]),
        ("Secret", ["data", "admin-password"]),
    ]

    report, _ = project.deploy(plan_path=path)

    assert report.exit_code == 0, report.text()
    assert fake_kube.get("Secret", "shop", "dash-admin") is not None
    deployed = project.backend().read_state("prod").apps["dash"]
    assert deployed.render_digest != planned.render_digest  # rendered anew: another password
    assert planned.stable_digest is not None


def test_a_change_beside_the_random_fields_is_still_refused(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    write_files(project.root, RANDOM_CHART)
    project.apps["dash"] = {"type": "helm", "chart": "./charts/dash", "deploy_mode": "apply"}
    path = _plan_then_cold_checkout(project)
    project.apps["dash"]["set_values"] = {"color": "red"}

    with pytest.raises(DeployError, match="app dash renders differently from the reviewed plan"):
        project.deploy(plan_path=path)

    assert fake_kube.get("ConfigMap", "shop", "dash") is None


def test_each_cluster_deploys_the_chart_version_its_plan_reviewed(
    project: DeployProject, fake_kube: FakeKube, two_versions: ChartRepo
) -> None:
    """staging and prod on one API server: prod sets another chart version. The plan job
    writes sbkube.lock (committed); the deploy job, frozen in CI, renders the same pins."""
    kube_apply(fake_kube.kubeconfig_path, namespace("shop-staging"))
    project.kubeconfigs["staging"] = fake_kube.kubeconfig_path
    project.settings["helm_repos"] = {"acme": two_versions.url}
    project.apps = {
        "web": {"type": "helm", "chart": "acme/web", "version": "1.0.0", "deploy_mode": "apply"}
    }
    project.cluster_fields = {
        "staging": {"namespace": "shop-staging"},
        "prod": {"apps": {"web": {"version": "2.0.0"}}},
    }
    path = _plan_then_cold_checkout(project)
    assert (project.root / "sbkube.lock").is_file()

    with pytest.MonkeyPatch.context() as env:
        env.setenv("CI", "true")
        report, _ = project.deploy(plan_path=path)

    assert report.exit_code == 0, report.text()
    messages = {
        ns: fake_kube.require("ConfigMap", ns, "web")["data"]["message"]
        for ns in ("shop", "shop-staging")
    }
    assert messages == {"shop": "two", "shop-staging": "one"}
