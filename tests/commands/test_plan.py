"""plan: render, diff against the recorded state (or the live cluster), write plan.json/.md."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
import yaml

from sbkube_ci.commands.plan import plan
from sbkube_ci.config import load_project
from sbkube_ci.deploy.apply.applier import Applier
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.diff.text import render_text
from sbkube_ci.plan_model import Plan
from sbkube_ci.planning.engine import make_plan
from sbkube_ci.render import render_project
from sbkube_ci.state import open_backend
from sbkube_ci.state.models import AppState, StateDocument
from tests.fakekube.fixture import FakeKube
from tests.support.projects import DeployProject, deploy_project, write_files

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
SECRET = "hunter2-very-secret"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    target = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, target, ignore=shutil.ignore_patterns(".sbkube"))
    return target


def record_deployed(directory: Path, cluster: str, apps: list[str] | None = None) -> None:
    """Record the current render as deployed, as a deploy would: snapshot, then state."""
    project = load_project(directory)
    render = render_project(project, clusters=[cluster])
    backend = open_backend(project)
    rendered = render.for_cluster(cluster)
    states = {
        name: AppState(
            revision=1,
            render_digest=app.render_digest,
            input_digest=app.input_digest,
            snapshot=backend.save_snapshot(cluster, app.text),
        )
        for name, app in rendered.items()
        if apps is None or name in apps
    }

    def mutate(doc: StateDocument) -> StateDocument:
        doc.apps.update(states)
        return doc

    backend.update(cluster, mutate, message="test: record deployed")


def test_first_plan_creates_everything_and_writes_both_files(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = plan(project_dir, None, clusters=(), apps=(), live=False, out=None, output_format="text")
    assert code == 2
    written = Plan.read(project_dir / ".sbkube" / "plan.json")
    assert [c.name for c in written.clusters] == ["staging", "prod"]
    assert {(a.name, a.action) for a in written.cluster("prod").apps} == {
        ("config", "create"),
        ("web", "create"),
    }
    assert written.cluster("prod").state_revision == "0"
    markdown = (project_dir / ".sbkube" / "plan.md").read_text()
    assert "| prod | web | create |" in markdown
    out = capsys.readouterr().out
    assert "+ web (create" in out
    assert "replicas: 3" in out  # prod's cluster set_values


def test_nothing_changed_after_deploy_exits_0(project_dir: Path) -> None:
    record_deployed(project_dir, "staging")
    outcome = make_plan(load_project(project_dir), clusters=["staging"])
    assert outcome.plan.exit_code() == 0
    assert {a.action for a in outcome.plan.cluster("staging").apps} == {"unchanged"}


def test_a_values_change_is_one_update_with_a_readable_diff(project_dir: Path) -> None:
    record_deployed(project_dir, "staging")
    values = project_dir / "values" / "web.yaml"
    values.write_text(values.read_text().replace('tag: "1.27"', 'tag: "1.28"'))
    cluster = make_plan(load_project(project_dir), clusters=["staging"]).plan.cluster("staging")
    actions = {a.name: a.action for a in cluster.apps}
    assert actions == {"config": "unchanged", "web": "update"}
    web = next(a for a in cluster.apps if a.name == "web")
    (change,) = [o for o in web.objects if o.action == "update"]
    assert change.kind == "Deployment"
    assert "-        image: nginxinc/nginx-unprivileged:1.27" in change.diff
    assert "+        image: nginxinc/nginx-unprivileged:1.28" in change.diff


def test_an_app_removed_from_the_config_is_deleted(project_dir: Path) -> None:
    record_deployed(project_dir, "staging")
    config = project_dir / "sbkube.yaml"
    data = yaml.safe_load(config.read_text())
    del data["apps"]["config"]
    data["apps"]["web"]["depends_on"] = []
    config.write_text(yaml.safe_dump(data))
    cluster = make_plan(load_project(project_dir), clusters=["staging"]).plan.cluster("staging")
    deleted = next(a for a in cluster.apps if a.name == "config")
    assert deleted.action == "delete"
    assert deleted.deleted == 1


def test_a_partial_plan_does_not_delete_apps_it_did_not_look_at(project_dir: Path) -> None:
    record_deployed(project_dir, "staging")
    outcome = make_plan(load_project(project_dir), clusters=["staging"], apps=["web"])
    assert [a.name for a in outcome.plan.cluster("staging").apps] == ["web"]


def test_a_render_failure_is_reported_and_exits_1(project_dir: Path) -> None:
    template = project_dir / "charts" / "web" / "templates" / "broken.yaml"
    template.write_text("{{ .Values.missing.deeper }}\n")
    outcome = make_plan(load_project(project_dir), clusters=["staging"])
    web = next(a for a in outcome.plan.cluster("staging").apps if a.name == "web")
    assert web.error is not None
    assert "apps.web" in web.error
    assert "nil pointer" in web.error
    assert outcome.plan.exit_code() == 1


def test_secrets_never_reach_any_output(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    (project_dir / "manifests" / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
        f"stringData: {{password: {SECRET}}}\n"
        f"data: {{token: {base64.b64encode(SECRET.encode()).decode()}}}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: echo}\n"
        f"data: {{note: 'connect with {SECRET}'}}\n"
    )
    config = project_dir / "sbkube.yaml"
    data = yaml.safe_load(config.read_text())
    data["apps"]["config"]["manifests"].append("manifests/secret.yaml")
    data["diff"] = {"mask_env": ["DB_PASSWORD"]}
    config.write_text(yaml.safe_dump(data))

    code = plan(project_dir, None, clusters=(), apps=(), live=False, out=None, output_format="json")
    assert code == 2
    outputs = [
        capsys.readouterr().out,
        (project_dir / ".sbkube" / "plan.json").read_text(),
        (project_dir / ".sbkube" / "plan.md").read_text(),
    ]
    encoded = base64.b64encode(SECRET.encode()).decode()
    for text in outputs:
        assert SECRET not in text
        assert encoded not in text
    assert "<masked" in outputs[2]
    plan_json = json.loads(outputs[1])
    assert plan_json["clusters"][0]["apps"][0]["name"] == "config"


@pytest.mark.parametrize("force_conflicts", [True, False])
def test_live_plan_diffs_against_the_cluster(
    project_dir: Path, fake_kube: FakeKube, force_conflicts: bool
) -> None:
    config = project_dir / "sbkube.yaml"
    data = yaml.safe_load(config.read_text())
    data["clusters"] = {"fake": {"kubeconfig": str(fake_kube.kubeconfig_path), "context": "fake"}}
    data["apps"]["config"]["force_conflicts"] = force_conflicts
    # helm cannot talk to the fake API server (no OpenAPI): helm-mode live plans are in
    # tests/e2e/test_fresh_deploy.py; here web is previewed as a server-side dry run.
    data["apps"]["web"]["deploy_mode"] = "apply"
    config.write_text(yaml.safe_dump(data))
    project = load_project(project_dir)
    rendered = render_project(project, clusters=["fake"]).for_cluster("fake")
    fake_kube.auto_ready()
    with KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake") as client:
        client.resource("v1", "Namespace").create(
            body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
        )
        applier = Applier(client, cluster="fake")
        applier.apply_app("config", rendered["config"].objects, [], namespace="shop")
    # someone edits the ConfigMap outside sbkube-ci: the live plan must show it
    live = fake_kube.require("ConfigMap", "shop", "web-config")
    assert live["data"]["GREETING"] == "hello from sbkube-ci"
    with KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake") as client:
        resource = client.resource("v1", "ConfigMap")
        resource.patch(
            name="web-config",
            namespace="shop",
            body={"data": {"GREETING": "edited by hand"}},
            content_type="application/merge-patch+json",
        )
    cluster = make_plan(load_project(project_dir), clusters=["fake"], live=True).plan.cluster(
        "fake"
    )
    config_app = next(a for a in cluster.apps if a.name == "config")
    web = next(a for a in cluster.apps if a.name == "web")
    assert web.action == "create", web.error
    if not force_conflicts:
        # the hand edit took ownership of the field: applying would conflict, and plan says so
        assert config_app.error is not None
        assert "force_conflicts" in config_app.error
        return
    assert config_app.action == "update"
    (change,) = config_app.objects
    assert "-  GREETING: edited by hand" in change.diff
    assert "+  GREETING: hello from sbkube-ci" in change.diff


# -- an engine change between deploy and plan -----------------------------------------------------
# A deploy recorded with Helm 3, then a plan with Helm 4: one engine line, no false changes.
#
# The chart has a shape that renders differently across the two (as Loki's does): a subchart
# whose defaults hold ``null`` values that reach the manifest through ``toYaml``, with the
# parent's values overriding a sibling key. Helm 3.18 drops the nulls while merging; Helm 4
# keeps them and renders ``loadBalancerClass: null``. Both apply as the same object, so the plan
# must not show it as a change.

LOGS_CHART = {
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
def logs_project(
    tmp_path: Path, fake_kube: FakeKube, monkeypatch: pytest.MonkeyPatch
) -> DeployProject:
    monkeypatch.delenv("SBKUBE_HELM", raising=False)  # settings.helm_version chooses here
    project = deploy_project(tmp_path, fake_kube, root=".")
    write_files(tmp_path / "charts" / "logs", LOGS_CHART)
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
    logs_project: DeployProject,
) -> None:
    old = _deploy_with_helm_3(logs_project)
    logs_project.settings["helm_version"] = 4

    outcome = make_plan(logs_project.load(), clusters=["prod"])

    cluster = outcome.plan.cluster("prod")
    [app] = cluster.apps
    assert outcome.render.helm_version.startswith("v4.3.")
    # what makes the two renders differ:
    assert "loadBalancerClass: null" in outcome.render.apps[("prod", "logs")].text
    assert app.input_digest != logs_project.backend().read_state("prod").apps["logs"].input_digest
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


def test_after_an_engine_change_only_the_real_change_shows(logs_project: DeployProject) -> None:
    _deploy_with_helm_3(logs_project)
    logs_project.settings["helm_version"] = 4
    logs_project.apps["logs"]["set_values"]["replicas"] = 3

    outcome = make_plan(logs_project.load(), clusters=["prod"])

    [app] = outcome.plan.cluster("prod").apps
    assert app.action == "update"
    changed = [o.title for o in app.objects if o.action != "unchanged"]
    assert changed == ["ConfigMap shop/logs"]
    assert outcome.plan.cluster("prod").engine_note is not None
