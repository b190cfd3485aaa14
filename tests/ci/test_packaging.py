"""The shipped CI files: no input pasted into a shell; action inputs match what ci reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from sbkube_ci.ci.inputs import Inputs

ROOT = Path(__file__).resolve().parents[2]
SCANNER = ROOT / "scripts" / "packaging_checks.py"
SHIPPED = [
    ROOT / "action.yml",
    *sorted((ROOT / ".github" / "workflows").glob("*.yml")),
    *sorted((ROOT / "examples" / "github").glob("*.yml")),
    ROOT / ".gitlab-ci-template.yml",
    ROOT / "examples" / "gitlab" / ".gitlab-ci.yml",
]


def scan(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCANNER), "injection", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_shipped_files_paste_no_input_into_a_shell() -> None:
    result = scan(*SHIPPED)

    assert result.returncode == 0, result.stdout
    assert f"injection: {len(SHIPPED)} file(s)" in result.stdout


def test_the_scanner_catches_inputs_and_event_fields_in_run_and_script(tmp_path: Path) -> None:
    workflow = tmp_path / "bad.yml"
    workflow.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          echo ok\n"
        "          echo '${{ github.event.pull_request.title }}'\n"
        '      - env:\n          SAFE: ${{ inputs.x }}\n        run: echo "$SAFE"\n'
    )
    template = tmp_path / "tpl.yml"
    template.write_text(
        "spec:\n  inputs:\n    x: {}\n---\njob:\n  script:\n    - echo $[[ inputs.x ]]\n"
    )

    result = scan(workflow, template)

    assert result.returncode == 1
    assert "jobs.a.steps[0].run (line 2 of the block)" in result.stdout
    assert "job.script" in result.stdout
    assert "jobs.a.steps[1]" not in result.stdout  # env: is the safe way
    assert "2 input/event value(s) pasted into a shell" in result.stdout


def test_action_inputs_have_defaults_matching_the_entrypoint() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    defaults = Inputs()
    expected = {
        "command": defaults.command,
        "working-directory": defaults.working_directory,
        "plan-path": defaults.plan_path,
        "comment": str(defaults.comment).lower(),
        "live": str(defaults.live).lower(),
        "strict": str(defaults.strict).lower(),
        "junit-path": defaults.junit_path,
        "config": defaults.config,
        "cluster": "",
        "debug": "false",
    }

    for name, default in expected.items():
        assert action["inputs"][name]["default"] == default, name
        assert action["inputs"][name]["description"], name
    assert set(action["outputs"]) == {"has_changes", "plan_path", "summary"}
    assert action["runs"] == {"using": "docker", "image": "docker://ghcr.io/sbkube/sbkube-ci:v1"}


def test_docker_context_holds_only_what_the_image_build_needs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCANNER), "docker-context", str(tmp_path / "ctx")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stderr
    top = sorted(p.name for p in (tmp_path / "ctx").iterdir())
    # pip install . needs the first three; the tools stage install_tools.py and the worker
    assert top == ["README.md", "pyproject.toml", "sbkube_ci", "scripts", "tools"]
    assert [p.name for p in (tmp_path / "ctx" / "scripts").iterdir()] == ["install_tools.py"]
    worker = sorted(p.name for p in (tmp_path / "ctx" / "tools" / "render-worker").iterdir())
    assert worker == sorted(p.name for p in (ROOT / "tools" / "render-worker").iterdir())
    assert {"go.mod", "go.sum", "main.go"} <= set(worker)
    assert (tmp_path / "ctx" / "sbkube_ci" / "ci" / "github.py").is_file()
    assert not list((tmp_path / "ctx").rglob("__pycache__"))
