"""The ci entrypoint running a real plan on a pull request: one comment per cluster."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from sbkube_ci.commands.ci import run_ci
from tests.ci.fakes import FakeGitHub

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


def test_pull_request_plan_upserts_one_comment_per_cluster(
    tmp_path: Path, github_env: dict[str, str], github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "repo"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns(".sbkube"))
    env = github_env | {
        "INPUT_COMMAND": "plan",
        "INPUT_WORKING-DIRECTORY": str(project),
        "INPUT_COMMENT": "true",
        "INPUT_JUNIT-PATH": str(tmp_path / "junit.xml"),
    }
    stream = io.StringIO()
    assert run_ci(env, stream=stream) == 0

    created = github.calls("POST")
    assert len(created) == 2
    bodies = [call.body["body"] for call in created]
    assert bodies[0].startswith("<!-- sbkube-ci:plan:staging -->")
    assert bodies[1].startswith("<!-- sbkube-ci:plan:prod -->")
    assert "| prod | web | create |" in bodies[1]
    assert all(len(body) <= 65_536 for body in bodies)
    outputs = Path(github_env["GITHUB_OUTPUT"]).read_text()
    assert "has_changes=true" in outputs
    assert (project / ".sbkube" / "plan.json").is_file()
    assert "sbkube-ci plan" in Path(github_env["GITHUB_STEP_SUMMARY"]).read_text()
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="prod/web"' in junit

    # a re-run with nothing new updates nothing and creates nothing
    assert run_ci(env, stream=io.StringIO()) == 0
    assert len(github.calls("POST")) == 2


@pytest.mark.parametrize(("strict", "expected"), [("false", 0), ("true", 1)])
def test_check_errors_fail_the_job_only_with_the_strict_input(
    tmp_path: Path,
    github_env: dict[str, str],
    github: FakeGitHub,
    strict: str,
    expected: int,
) -> None:
    project = tmp_path / "repo"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns(".sbkube"))
    with (project / "manifests" / "configmap.yaml").open("a") as manifest:
        manifest.write("---\napiVersion: v1\nkind: Service\nmetadata: {name: bad}\n")
        manifest.write("spec: {ports: [{port: http}]}\n")
    env = github_env | {
        "INPUT_COMMAND": "plan",
        "INPUT_WORKING-DIRECTORY": str(project),
        "INPUT_STRICT": strict,
        "INPUT_JUNIT-PATH": str(tmp_path / "junit.xml"),
    }

    assert run_ci(env, stream=io.StringIO()) == expected

    body = github.calls("POST")[-1].body["body"]
    assert "### Checks · prod" in body
    assert '`spec.ports[0].port` | expected integer, got string "http"' in body
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="prod/checks/schema"' in junit
    assert 'message="1 error(s)"' in junit
