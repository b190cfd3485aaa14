"""``sbkube-ci rollback``: re-apply an earlier snapshot, prune the rest, record a new revision."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from sbkube_ci.cli import cli
from sbkube_ci.commands.ci import run_ci
from sbkube_ci.commands.rollback import Target, choose, revisions
from sbkube_ci.errors import CIError, StateError
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map
from tests.support.projects import DeployProject


@pytest.fixture
def project(project: DeployProject) -> DeployProject:
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


def test_rollback_is_notified(project: DeployProject, webhook: HTTPServer) -> None:
    project.notify_webhook()
    project.write()

    code, output = run(project, "rollback", "web", "--to", "1")

    assert code == 0, output
    [(request, _)] = webhook.log
    sent = json.loads(request.get_data())
    assert sent["event"] == "rollback"
    assert [(a["name"], a["old_revision"], a["new_revision"]) for a in sent["apps"]] == [
        ("web", "r2", "r3")
    ]
    assert sent["detail"] == "back to r1"


def _ci_env(project: DeployProject, **inputs: str) -> dict[str, str]:
    """A GitHub push step running the action with ``inputs`` (INPUT_<NAME>)."""
    (project.root / "output").touch()
    (project.root / "summary").touch()
    events = Path(__file__).resolve().parents[1] / "data" / "events"
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(events / "push.json"),
        "GITHUB_REPOSITORY": "acme/shop-deploy",
        "GITHUB_OUTPUT": str(project.root / "output"),
        "GITHUB_STEP_SUMMARY": str(project.root / "summary"),
        "INPUT_COMMAND": "rollback",
        "INPUT_WORKING-DIRECTORY": str(project.root),
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }


def test_ci_rollback_goes_back_to_the_previous_revision(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    code = run_ci(_ci_env(project, app="web"), stream=io.StringIO())

    assert code == 0
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "blue"}
    assert project.backend().read_state("prod").apps["web"].revision == 3
    assert "prod/web: rolled back to r1's content as r3" in (project.root / "summary").read_text()


def test_ci_rollback_to_a_named_revision(project: DeployProject, fake_kube: FakeKube) -> None:
    run_ci(_ci_env(project, app="web"), stream=io.StringIO())

    assert run_ci(_ci_env(project, app="web", to="r2"), stream=io.StringIO()) == 0
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "green"}
    assert project.backend().read_state("prod").apps["web"].revision == 4


def test_ci_rollback_without_an_app_is_one_line(project: DeployProject) -> None:
    with pytest.raises(CIError, match=r"^input app: rollback needs the app to roll back"):
        run_ci(_ci_env(project), stream=io.StringIO())
    with pytest.raises(CIError, match=r"^input to: 'latest' is not a revision"):
        run_ci(_ci_env(project, app="web", to="latest"), stream=io.StringIO())
