"""``sbkube-ci ci`` (commands/ci.py): inputs → decision → command → outputs, comment, report."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sbkube_ci.ci.base import Annotation
from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.ci.marker import comment_marker
from sbkube_ci.ci.result import ClusterPlan, CommandResult
from sbkube_ci.commands.ci import COMMANDS, CommandFunction, run_ci
from sbkube_ci.errors import CIError, ConfigProblems
from tests.ci.conftest import EVENTS
from tests.ci.test_workflow_commands import parse_github_output
from tests.support.receivers import FakeGitHub, FakeGitLab

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


def push(env: dict[str, str]) -> dict[str, str]:
    return env | {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(EVENTS / "push.json")}


def test_validate_on_push_writes_outputs_summary_and_junit(
    github_env: dict[str, str], tmp_path: Path
) -> None:
    stream = io.StringIO()
    env = push(github_env) | {
        "INPUT_COMMAND": "validate",
        "INPUT_WORKING-DIRECTORY": str(QUICKSTART),
        "INPUT_JUNIT-PATH": str(tmp_path / "junit.xml"),
    }

    assert run_ci(env, stream=stream) == 0

    outputs = parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text())
    assert outputs == {"has_changes": "false", "plan_path": "", "summary": "ok: 2 apps"}
    assert "ok: 2 apps" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert f"::add-mask::{env['INPUT_GITHUB-TOKEN']}" in stream.getvalue()
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")  # noqa: S314 - our own report
    assert sorted(c.get("name", "") for c in cases) == ["config/config", "config/web"]


def test_config_errors_become_annotations_and_failed_cases(
    github_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\napps:\n  web:\n    type: yaml\n    manifests: [m.yaml]\n"
        "    colour: blue\n"
    )
    stream = io.StringIO()
    env = push(github_env) | {
        "INPUT_COMMAND": "validate",
        "INPUT_WORKING-DIRECTORY": str(tmp_path),
        "INPUT_JUNIT-PATH": "junit.xml",
    }

    assert run_ci(env, stream=stream) == 1

    errors = [line for line in stream.getvalue().splitlines() if line.startswith("::error ")]
    assert any(
        "line=6,col=5" in line and "::apps.web.colour: unknown key" in line for line in errors
    ), errors
    failure = ET.parse(tmp_path / "junit.xml").getroot().find(".//testcase[@name='config/web']")  # noqa: S314 - our own report
    assert failure is not None
    assert failure.find("failure") is not None


def test_a_command_this_build_lacks_fails_with_one_clear_line(github_env: dict[str, str]) -> None:
    only_validate = {"validate": COMMANDS["validate"]}
    with pytest.raises(CIError, match=r"^command plan is not available in this version$"):
        run_ci(github_env | {"INPUT_COMMAND": "plan"}, commands=only_validate, stream=io.StringIO())


def fake_plan(invocation: Invocation) -> CommandResult:
    """A plan command as the lead will wire one: facts and rendered markdown only."""
    invocation.plan_path.parent.mkdir(parents=True, exist_ok=True)
    invocation.plan_path.write_text("{}")
    return CommandResult(
        exit_code=2,
        summary="1 app changes on prod",
        markdown="## sbkube-ci plan\n| app | ~ |\n|---|---|\n| api | 1 |",
        clusters=[
            ClusterPlan("prod", "### prod\napi ~1", has_changes=True),
            ClusterPlan("staging", "### staging\nno changes", has_changes=False),
        ],
        apps=[AppOutcome("prod", "api", changed=True), AppOutcome("staging", "api")],
        annotations=[Annotation("chart pinned to a branch", level="warning")],
        plan_path=invocation.plan_path,
        secrets=["s3cr3t-value"],
    )


def test_pull_request_plan_comments_per_cluster_and_sets_outputs(
    github: FakeGitHub, github_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stream = io.StringIO()

    code = run_ci(
        github_env | {"INPUT_COMMAND": "plan"}, commands={"plan": fake_plan}, stream=stream
    )

    assert code == 0  # changes are an output, not a failed job
    (post,) = github.calls("POST")
    assert post.body == {"body": f"{comment_marker('prod')}\n### prod\napi ~1"}
    outputs = parse_github_output(Path(github_env["GITHUB_OUTPUT"]).read_text())
    assert outputs == {
        "has_changes": "true",
        "plan_path": ".sbkube/plan.json",
        "summary": "1 app changes on prod",
    }
    log = stream.getvalue()
    assert "::add-mask::s3cr3t-value" in log
    assert "::warning::chart pinned to a branch" in log
    assert "comment for prod: created" in log
    assert "comment for staging: skipped" in log


def test_closed_pull_request_runs_nothing(github_env: dict[str, str]) -> None:
    def must_not_run(invocation: Invocation) -> CommandResult:
        raise AssertionError("nothing should run for a closed PR")

    env = github_env | {"GITHUB_EVENT_PATH": str(EVENTS / "pull_request_closed.json")}

    assert run_ci(env, commands={"plan": must_not_run}, stream=io.StringIO()) == 0
    outputs = parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text())
    assert outputs["has_changes"] == "false"


def test_the_cli_entrypoint_prints_one_error_line(github_env: dict[str, str]) -> None:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)} | github_env
    proc = subprocess.run(
        [sys.executable, "-m", "sbkube_ci", "ci"],
        env=env
        | {
            "INPUT_COMMAND": "history",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_EVENT_PATH": str(EVENTS / "push.json"),
        },
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )

    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {ROOT}: no sbkube.yaml here (nor legacy config.yaml + sources.yaml); "
        "create one, or point at it with -C DIR or -f FILE"
    ]


def test_unwritable_output_file_is_one_line_and_debug_adds_the_traceback(
    github_env: dict[str, str],
) -> None:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)} | push(github_env)
    env |= {"INPUT_COMMAND": "validate", "INPUT_DEBUG": "true", "GITHUB_OUTPUT": "/nonexistent/x"}
    proc = subprocess.run(
        [sys.executable, "-m", "sbkube_ci", "ci"],
        env=env | {"INPUT_WORKING-DIRECTORY": str(QUICKSTART)},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )

    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: GITHUB_OUTPUT=/nonexistent/x: cannot write (No such file or directory); "
        "the runner sets this file, do not override it"
    )


def test_gitlab_merge_request_plan_writes_the_note_and_the_dotenv(
    gitlab: FakeGitLab, gitlab_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    code = run_ci(
        gitlab_env | {"INPUT_COMMAND": "deploy", "INPUT_JUNIT_PATH": "junit.xml"},
        commands={"plan": fake_plan},
        stream=io.StringIO(),
    )

    assert code == 0
    (post,) = gitlab.calls("POST")
    assert post.path == "/api/v4/projects/4711/merge_requests/7/notes"
    assert post.body == {"body": f"{comment_marker('prod')}\n### prod\napi ~1"}
    assert (tmp_path / "sbkube-ci.env").read_text() == (
        "SBKUBE_HAS_CHANGES=true\n"
        "SBKUBE_PLAN_PATH=.sbkube/plan.json\n"
        "SBKUBE_SUMMARY=1 app changes on prod\n"
    )
    assert (tmp_path / "junit.xml").is_file()


def test_a_failing_command_annotates_located_problems_then_raises(
    github_env: dict[str, str],
) -> None:
    def broken_plan(invocation: Invocation) -> CommandResult:
        raise ConfigProblems(["deploy/sbkube.yaml:14:5: apps.api.version: must be a string"])

    stream = io.StringIO()
    with pytest.raises(ConfigProblems):
        run_ci(github_env, commands={"plan": broken_plan}, stream=stream)

    assert (
        "::error file=deploy/sbkube.yaml,line=14,col=5,title=sbkube-ci::"
        "apps.api.version: must be a string"
    ) in stream.getvalue().splitlines()


def _returning(code: int) -> CommandFunction:
    def command(invocation: Invocation) -> CommandResult:
        return CommandResult(exit_code=code, summary=f"exit {code}")

    return command


@pytest.mark.parametrize(
    ("command", "code", "expected"),
    [
        ("plan", 2, 0),  # changes are what a review is for
        ("status", 2, 2),  # drift fails a scheduled drift-check job
        ("status", 0, 0),
        ("plan", 1, 1),
        ("status", 1, 1),
    ],
)
def test_exit_codes_reach_the_platform(
    github_env: dict[str, str], command: str, code: int, expected: int
) -> None:
    env = github_env | {"INPUT_COMMAND": command, "GITHUB_EVENT_NAME": "workflow_dispatch"}
    commands = {command: _returning(code)}
    assert run_ci(env, commands=commands, stream=io.StringIO()) == expected


KUBECONFIG_TOKEN = "eyJhbGciOi-kube-token-5d41"
KUBECONFIG = f"""\
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {{server: "https://203.0.113.10:6443"}}
contexts:
- name: prod
  context: {{cluster: prod, user: deployer}}
current-context: prod
users:
- name: deployer
  user: {{token: {KUBECONFIG_TOKEN}, client-key-data: a2V5LWRhdGEtc2VjcmV0}}
"""


def test_kubeconfig_secrets_are_masked_before_the_command_and_nothing_else(
    github_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "deploy"
    project.mkdir()
    (project / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\nclusters:\n  prod: {kubeconfig_env: KUBECONFIG_PROD}\n"
    )
    monkeypatch.chdir(tmp_path)
    stream = io.StringIO()

    def command_that_logs(invocation: Invocation) -> CommandResult:
        stream.write(f"command ran; it printed {KUBECONFIG_TOKEN}\n")
        return CommandResult(exit_code=0, summary="ok", secrets=[KUBECONFIG_TOKEN])

    env = push(github_env) | {
        "INPUT_COMMAND": "plan",
        "INPUT_WORKING-DIRECTORY": str(project),
        "KUBECONFIG_PROD": KUBECONFIG,
    }
    assert run_ci(env, commands={"plan": command_that_logs}, stream=stream) == 0

    log = stream.getvalue().splitlines()
    masks = [line for line in log if line.startswith("::add-mask::")]
    assert f"::add-mask::{KUBECONFIG_TOKEN}" in masks
    assert "::add-mask::a2V5LWRhdGEtc2VjcmV0" in masks
    ran = next(i for i, line in enumerate(log) if line.startswith("command ran"))
    assert log.index(f"::add-mask::{KUBECONFIG_TOKEN}") < ran  # the runner hides it in time
    assert masks.count(f"::add-mask::{KUBECONFIG_TOKEN}") == 1  # announced once
    # Not every line: the server, kinds and names stay readable in every log.
    assert not [m for m in masks if "203.0.113.10" in m or "apiVersion" in m or "prod" in m]
