"""Running the command line in the tests: in-process, or as a `python -m sbkube_ci` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from sbkube_ci import cli as cli_module

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def run_cli(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m sbkube_ci ARGS`` in ``cwd``, with this checkout on the path."""
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def invoke(*args: str, **env: str) -> tuple[int, str, str]:
    """The exit code, stdout and stderr of ``sbkube-ci ARGS`` run in-process."""
    result = CliRunner().invoke(cli_module.cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def leaf_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every runnable command under ``group`` with its path (``lock status``)."""
    leaves: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            leaves += leaf_commands(command, f"{prefix}{name} ")
        else:
            leaves.append((f"{prefix}{name}", command))
    return leaves
