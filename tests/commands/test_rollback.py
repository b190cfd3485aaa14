"""``sbkube-ci rollback``: re-apply an earlier snapshot, prune the rest, record a new revision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from sbkube_ci.cli import cli
from sbkube_ci.commands.rollback import Target, choose, revisions
from sbkube_ci.errors import StateError
from tests.deploy.project import DeployProject, config_map, kube_apply, namespace
from tests.fakekube.fixture import FakeKube


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    fake_kube.auto_ready()
    kube_apply(fake_kube.kubeconfig_path, namespace("shop"))
    root = tmp_path / "repo"
    root.mkdir()
    project = DeployProject(root, {"prod": fake_kube.kubeconfig_path})
    project.app("web", [config_map("settings", color="blue")])
    project.deploy()
    project.app("web", [config_map("settings", color="green"), config_map("extra")])
    project.deploy()
    return project


def run(project: DeployProject, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "-C", str(project.root)])
    return result.exit_code, result.output


def test_rollback_reapplies_the_previous_snapshot_and_prunes(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    code, output = run(project, "rollback", "web")

    assert code == 0, output
    assert "prod/web: rolled back to r1's content as r3" in output
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "blue"}
    assert fake_kube.get("ConfigMap", "shop", "extra") is None
    backend = project.backend()
    app = backend.read_state("prod").apps["web"]
    assert app.revision == 3
    assert [r.name for r in app.inventory] == ["settings"]
    newest = backend.list_history(cluster="prod")[0]
    assert newest.kind == "rollback"
    assert [(c.old_revision, c.new_revision) for c in newest.apps] == [(2, 3)]
    assert backend.lock_status("prod") is None


def test_the_next_deploy_applies_the_config_again(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    run(project, "rollback", "web")

    report, _ = project.deploy()

    assert [(r.app, r.action) for r in report.results] == [("web", "update")]
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "green"}


def test_to_a_revision_and_by_deployment(project: DeployProject) -> None:
    backend = project.backend()
    found = revisions(backend, "prod", "web")
    current = backend.read_state("prod").apps["web"]
    assert [r.revision for r in found] == [2, 1]
    assert choose(found, current, Target(revision=1), "web").revision == 1
    first = found[1].deployment
    assert choose(found, current, Target(deployment=first), "web").revision == 1
    with pytest.raises(StateError, match="history has no r7 to roll back to; available: r2, r1"):
        choose(found, current, Target(revision=7), "web")
    with pytest.raises(StateError, match="r2 is the current revision already"):
        choose(found, current, Target(revision=2), "web")


def test_list_shows_the_revisions(project: DeployProject) -> None:
    code, output = run(project, "rollback", "web", "--list")
    assert code == 0
    header, current, first = output.splitlines()
    assert header.split()[:2] == ["REVISION", "KIND"]
    assert current.startswith("r2 (current)")
    assert first.split()[0:2] == ["r1", "deploy"]
    code, output = run(project, "rollback", "web", "--list", "--format", "json")
    assert [entry["revision"] for entry in json.loads(output)] == [2, 1]


def test_rollback_is_notified(
    project: DeployProject, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_URL", httpserver.url_for("/hook"))
    httpserver.expect_request("/hook", method="POST").respond_with_json({})
    project.extra["notify"] = {"hook": {"type": "webhook", "url_env": "HOOK_URL"}}
    project.write()

    code, output = run(project, "rollback", "web", "--to", "1")

    assert code == 0, output
    [(request, _)] = httpserver.log
    sent = json.loads(request.get_data())
    assert sent["event"] == "rollback"
    assert [(a["name"], a["old_revision"], a["new_revision"]) for a in sent["apps"]] == [
        ("web", "r2", "r3")
    ]
    assert sent["detail"] == "back to r1"
