"""The ci entrypoint running a real plan on a pull request: one comment per cluster."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from sbkube_ci.commands.ci import run_ci
from sbkube_ci.errors import ConfigProblems
from tests.support.receivers import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


def copy_quickstart(tmp_path: Path) -> Path:
    project = tmp_path / "repo"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns(".sbkube"))
    return project


def plan_step(github_env: dict[str, str], project: Path, inputs: dict[str, str]) -> dict[str, str]:
    """The environment of the action's step running ``plan`` in ``project`` with ``inputs``,
    named as in action.yml."""
    named = {"command": "plan", "working-directory": str(project), **inputs}
    return github_env | {f"INPUT_{name.upper()}": value for name, value in named.items()}


def test_pull_request_plan_upserts_one_comment_per_cluster(
    tmp_path: Path, github_env: dict[str, str], github: FakeGitHub
) -> None:
    project = copy_quickstart(tmp_path)
    env = plan_step(
        github_env, project, {"comment": "true", "junit-path": str(tmp_path / "junit.xml")}
    )
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


def test_a_config_error_replaces_the_stale_plan_comment(
    tmp_path: Path, github_env: dict[str, str], github: FakeGitHub
) -> None:
    project = copy_quickstart(tmp_path)
    stale = github.add_comment(42, "<!-- sbkube-ci:plan:prod -->\nold plan of an earlier commit")
    config = project / "sbkube.yaml"
    config.write_text(config.read_text().replace("type: helm", "type: helmm"))
    env = plan_step(github_env, project, {"comment": "true"}) | {
        "GITHUB_RUN_ID": "77",
        "GITHUB_SERVER_URL": "https://github.com",
    }

    with pytest.raises(ConfigProblems):
        run_ci(env, stream=io.StringIO())

    bodies = {call.path: call.body["body"] for call in github.calls("PATCH")}
    body = bodies[f"/repos/acme/shop-deploy/issues/comments/{stale}"]
    assert body.startswith("<!-- sbkube-ci:plan:prod -->\n## sbkube-ci plan · `prod`")
    # the PR head from the event payload, not the merge commit the runner checked out
    assert "**The plan for `6dcb09b5b578` failed:** sbkube.yaml:" in body
    assert "apps.web" in body
    assert "old plan" not in body
    assert "[this run](https://github.com/acme/shop-deploy/actions/runs/77)" in body
    # staging had no comment yet: the error state is created for it too
    created = [call.body["body"] for call in github.calls("POST")]
    assert any(b.startswith("<!-- sbkube-ci:plan:staging -->") for b in created)


def test_without_comment_permission_the_plan_is_in_the_summary_once(
    tmp_path: Path, github_env: dict[str, str], github: FakeGitHub
) -> None:
    github.read_only = True
    env = plan_step(github_env, copy_quickstart(tmp_path), {"comment": "true"})
    assert run_ci(env, stream=io.StringIO()) == 0
    summary = Path(github_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.count("| prod | web | create |") == 1
    assert "the full plan is in the full plan is in" not in summary


def test_the_summary_output_has_its_documented_form(
    tmp_path: Path, github_env: dict[str, str]
) -> None:
    env = plan_step(github_env, copy_quickstart(tmp_path), {"comment": "false"})
    assert run_ci(env, stream=io.StringIO()) == 0
    outputs = Path(github_env["GITHUB_OUTPUT"]).read_text()
    line = "2 apps change on staging (+3 ~0 -0), 2 apps change on prod (+3 ~0 -0)"
    assert f"summary={line}\n" in outputs
    # the form the docs promise: "2 apps change on prod (+3 ~1 -0)"
    documented = re.compile(r"^\d+ apps? changes? on \S+ \(\+\d+ ~\d+ -\d+\)$")
    assert all(documented.match(part) for part in line.split(", "))
    assert "e.g. `2 apps change on prod (+3 ~1 -0)`" in (ROOT / "docs" / "ci.md").read_text()
    assert '"2 apps change on prod (+3 ~1 -0)"' in (ROOT / "action.yml").read_text()


@pytest.mark.parametrize(("strict", "expected"), [("false", 0), ("true", 1)])
def test_check_errors_fail_the_job_only_with_the_strict_input(
    tmp_path: Path,
    github_env: dict[str, str],
    github: FakeGitHub,
    strict: str,
    expected: int,
) -> None:
    project = copy_quickstart(tmp_path)
    with (project / "manifests" / "configmap.yaml").open("a") as manifest:
        manifest.write("---\napiVersion: v1\nkind: Service\nmetadata: {name: bad}\n")
        manifest.write("spec: {ports: [{port: http}]}\n")
    env = plan_step(
        github_env, project, {"strict": strict, "junit-path": str(tmp_path / "junit.xml")}
    )

    assert run_ci(env, stream=io.StringIO()) == expected

    body = github.calls("POST")[-1].body["body"]
    assert "### Checks · prod" in body
    assert '`spec.ports[0].port` | expected integer, got string "http"' in body
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="prod/checks/schema"' in junit
    assert 'message="1 error(s)"' in junit
