"""The subprocess wrapper: failures name the command, secrets never reach an error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sbkube_ci import _proc
from sbkube_ci.errors import ProcessError, RenderError

SECRET = "s3cr3t-token"
PRINT_AND_FAIL = "import sys; print(sys.argv[1]); sys.stderr.write(sys.argv[1]); sys.exit(3)"


def test_a_failure_redacts_the_secret_everywhere() -> None:
    with pytest.raises(ProcessError) as caught:
        _proc.run([sys.executable, "-c", PRINT_AND_FAIL, SECRET], secrets=[SECRET])
    error = caught.value
    assert error.returncode == 3
    assert str(error).endswith(": exit 3: ***")
    for text in (str(error), error.stdout, error.stderr, " ".join(error.argv)):
        assert SECRET not in text
    assert error.argv[-1] == "***"


def test_a_timeout_names_the_command_without_the_secret() -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(30)", SECRET]
    with pytest.raises(RenderError, match=r"timed out after 0\.5s") as caught:
        _proc.run(argv, timeout=0.5, secrets=[SECRET], error=RenderError)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_allowed_exit_codes_return_the_output() -> None:
    result = _proc.run([sys.executable, "-c", "print('hi'); raise SystemExit(2)"], ok_codes=(2,))
    assert (result.returncode, result.stdout) == (2, "hi\n")


def test_a_missing_binary_says_how_to_get_it() -> None:
    with pytest.raises(ProcessError, match="no-such-tool-x: not found; run `make bootstrap`"):
        _proc.run(["no-such-tool-x"])


def test_an_argument_with_a_nul_character_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(ProcessError, match="refused: an argument contains a NUL character"):
        _proc.run(["sh", "-c", f"touch {marker}", "x\0y"])
    assert not marker.exists()


def test_the_interpreters_directory_ends_the_path() -> None:
    tools = str(Path(sys.executable).parent)
    assert _proc.with_tools_dir({"PATH": "/usr/bin"})["PATH"] == f"/usr/bin{os.pathsep}{tools}"
    already = {"PATH": f"{tools}{os.pathsep}/usr/bin"}
    assert _proc.with_tools_dir(dict(already)) == already


def test_sbkube_ci_finds_helm_beside_its_interpreter_without_path(tmp_path: Path) -> None:
    """``.venv/bin/sbkube-ci`` run directly, with no activated venv, renders a helm chart."""
    if not (Path(sys.executable).parent / "helm").exists():
        pytest.skip("helm is not installed beside this interpreter (make bootstrap does it)")
    root = Path(__file__).resolve().parents[1]
    project = tmp_path / "quickstart"
    shutil.copytree(
        root / "examples" / "quickstart", project, ignore=shutil.ignore_patterns(".sbkube")
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "sbkube_ci", "template", "-C", str(project)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (project / ".sbkube" / "rendered" / "prod" / "web.yaml").is_file()
