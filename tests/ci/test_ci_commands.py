"""The ci entrypoint runs every command it lists; failed apps become annotations, once."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import yaml

from sbkube_ci.ci.failures import failure_annotations
from sbkube_ci.ci.inputs import KNOWN_COMMANDS
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.commands.ci import COMMANDS, run_ci
from sbkube_ci.config.loader import load_project
from sbkube_ci.state import HistoryChange, open_backend

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"


def test_every_listed_command_runs() -> None:
    assert set(COMMANDS) == set(KNOWN_COMMANDS)
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    listed = action["inputs"]["command"]["description"]
    for command in KNOWN_COMMANDS:
        assert re.search(rf"\b{command}\b", listed), command
    docs = (ROOT / "docs" / "ci.md").read_text()
    row = next(line for line in docs.splitlines() if line.startswith("| `command` |"))
    assert all(command in row for command in KNOWN_COMMANDS)


def project_env(
    tmp_path: Path, github_env: dict[str, str], command: str
) -> tuple[Path, dict[str, str]]:
    project = tmp_path / "repo"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns(".sbkube"))
    github_env = github_env | {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}
    return project, github_env | {"INPUT_COMMAND": command, "INPUT_WORKING-DIRECTORY": str(project)}


def test_template_from_ci(tmp_path: Path, github_env: dict[str, str]) -> None:
    project, env = project_env(tmp_path, github_env, "template")
    stream = io.StringIO()
    assert run_ci(env, stream=stream) == 0
    assert (project / ".sbkube" / "rendered" / "prod" / "web.yaml").is_file()
    summary = Path(github_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "**sbkube-ci template**: 4 app render(s), 0 failed" in summary
    # the render is shown in a collapsible group of the log
    assert "::group::sbkube-ci template: 4 items" in stream.getvalue()
    assert "::endgroup::" in stream.getvalue()


def test_history_from_ci(tmp_path: Path, github_env: dict[str, str]) -> None:
    project, env = project_env(tmp_path, github_env, "history")
    backend = open_backend(load_project(project))
    record = backend.new_record("deploy", "prod", apps=[HistoryChange(app="web", new_revision=1)])
    backend.append_history(record.model_copy(update={"result": "failed", "detail": "web: boom"}))
    assert run_ci(env, stream=io.StringIO()) == 0
    summary = Path(github_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "**sbkube-ci history**: 1 history record(s)" in summary
    assert "| failed |" in summary
    assert "| web: boom |" in summary


def test_a_failed_template_app_is_an_error_annotation(
    tmp_path: Path, github_env: dict[str, str]
) -> None:
    project, env = project_env(tmp_path, github_env, "template")
    (project / "manifests" / "configmap.yaml").write_text("kind: [unclosed\n")
    stream = io.StringIO()
    assert run_ci(env, stream=stream) == 1
    errors = [line for line in stream.getvalue().splitlines() if line.startswith("::error")]
    assert len(errors) == 2, errors  # one per cluster: each names its cluster
    assert errors[0].startswith("::error title=sbkube-ci template::staging/config: apps.config")
    assert errors[1].startswith("::error title=sbkube-ci template::prod/config: apps.config")


def test_a_cluster_wide_failure_is_annotated_once() -> None:
    same = "cluster prod: environment variable KUBECONFIG_PROD (kubeconfig_env) is not set"
    outcomes = [AppOutcome("prod", app, error=same) for app in ("api", "db", "web")]
    outcomes += [AppOutcome("staging", "api"), AppOutcome("staging", "web", error="timeout\nmore")]
    annotations = failure_annotations(outcomes, command="deploy")
    assert [a.message for a in annotations] == [
        f"prod: all 3 apps failed: {same}",
        "staging/web: timeout",
    ]
    assert {a.title for a in annotations} == {"sbkube-ci deploy"}
