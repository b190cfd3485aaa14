"""Colour: --color auto|always|never, NO_COLOR, and the coloured plan on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci import cli as cli_module
from sbkube_ci.terminal import color_enabled
from tests.test_progress import Tty, write_project


@pytest.mark.parametrize(
    ("mode", "tty", "environ", "expected"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        ("auto", True, {"TERM": "dumb"}, False),
        ("always", False, {"NO_COLOR": "1"}, True),  # an explicit flag beats NO_COLOR
        ("never", True, {}, False),
    ],
)
def test_color_enabled(mode: str, tty: bool, environ: dict[str, str], expected: bool) -> None:
    stream = Tty() if tty else io.StringIO()
    assert color_enabled(mode, stream, environ) is expected


def plan_output(tmp_path: Path, *args: str, **env: str) -> str:
    project = write_project(tmp_path / "p", 2)
    result = CliRunner().invoke(cli_module.cli, [*args, "plan", "-C", str(project)], env=env)
    assert result.exit_code == 2, result.output
    return result.stdout


def test_plan_diff_is_coloured_with_color_always(tmp_path: Path) -> None:
    out = plan_output(tmp_path, "--color", "always", NO_COLOR="1")
    assert "\x1b[32m" in out  # added lines in green
    assert "+ app-000 (create" in out


def test_plan_is_plain_when_piped_or_with_no_color(tmp_path: Path) -> None:
    assert "\x1b[" not in plan_output(tmp_path / "a")
    assert "\x1b[" not in plan_output(tmp_path / "b", SBKUBE_COLOR="auto", NO_COLOR="1")


def test_color_never_wins_over_the_environment(tmp_path: Path) -> None:
    assert "\x1b[" not in plan_output(tmp_path, "--color", "never", SBKUBE_COLOR="always")


def test_unknown_color_mode_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli_module.cli, ["--color", "rainbow", "plan"])
    assert result.exit_code == 1
    assert "'rainbow' is not one of 'auto', 'always', 'never'" in result.output
