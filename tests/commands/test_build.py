"""``sbkube-ci build`` through the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.commands.test_template import quickstart, run_cli


def test_build_command(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    result = run_cli("build", "-C", str(project))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "web: built .sbkube/build/web\n"
    assert (project / ".sbkube/build/web/values.sbkube.prod.yaml").is_file()
    assert run_cli("build", "-C", str(project)).stdout == "web: unchanged .sbkube/build/web\n"


def test_build_unknown_app_is_one_line(tmp_path: Path) -> None:
    result = run_cli("build", "-C", str(quickstart(tmp_path)), "--app", "nope")
    assert result.returncode == 1
    assert (
        result.stderr == "error: --app nope: no such app in the configuration; known: config, web\n"
    )
