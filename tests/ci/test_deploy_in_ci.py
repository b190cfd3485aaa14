"""The ci entrypoint running deploy on a push: the saved plan is applied, results published."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.commands.ci import run_ci
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map
from tests.support.projects import deploy_project

EVENTS = Path(__file__).resolve().parents[1] / "data" / "events"


def test_push_deploys_the_saved_plan_and_publishes_the_summary(
    tmp_path: Path, github_env: dict[str, str], fake_kube: FakeKube
) -> None:
    project = deploy_project(tmp_path, fake_kube)
    project.app("api", [config_map("api")])
    project.write()
    assert CliRunner().invoke(cli, ["plan", "-C", str(project.root)]).exit_code == 2
    project.app("web", [config_map("web")])  # merged after the plan: not reviewed, not deployed
    project.write()
    env = github_env | {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(EVENTS / "push.json"),
        "INPUT_COMMAND": "deploy",
        "INPUT_WORKING-DIRECTORY": str(project.root),
        "INPUT_JUNIT-PATH": str(tmp_path / "junit.xml"),
    }

    assert run_ci(env, stream=io.StringIO()) == 0

    assert fake_kube.get("ConfigMap", "shop", "api") is not None
    assert fake_kube.get("ConfigMap", "shop", "web") is None
    summary = Path(github_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "**sbkube-ci deploy**: 1 app(s) deployed, 0 failed" in summary
    assert "| prod | api | create | succeeded |" in summary
    assert 'name="prod/api"' in (tmp_path / "junit.xml").read_text()
