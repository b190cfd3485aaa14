"""The CLI contract: exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_validate_quickstart_passes() -> None:
    result = run_cli("validate", "-C", "examples/quickstart")
    assert result.returncode == 0, result.stderr
    assert "ok: " in result.stdout
    assert "2 app(s)" in result.stdout


def test_missing_config_is_one_line_error(tmp_path: Path) -> None:
    result = run_cli("validate", "-C", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "no sbkube.yaml here" in result.stderr
