"""--help shows 2–3 examples per command, each valid; completion offers cluster and app names."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sbkube_ci import cli as cli_module
from sbkube_ci.cli.help import EXAMPLES
from tests.cli.helpers import ROOT, leaf_commands

QUICKSTART = ROOT / "examples" / "quickstart"


@pytest.mark.parametrize(("path", "command"), leaf_commands(cli_module.cli), ids=str)
def test_help_shows_examples_that_parse(path: str, command: click.Command) -> None:
    examples = EXAMPLES[path]
    assert 2 <= len(examples) <= 3
    result = CliRunner().invoke(cli_module.cli, [*path.split(), "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    for line, _ in examples:
        assert line in result.output
        words = shlex.split(line.split(" |")[0].split(" >")[0])
        words = [w for w in words if "=" not in w or w.startswith("-")]  # VAR=x prefixes
        assert words[: 1 + len(path.split())] == ["sbkube-ci", *path.split()], line
        # parsing (not running) the example: an unknown option or bad value fails here
        command.make_context(path, words[1 + len(path.split()) :])


def complete(*words: str) -> list[str]:
    env = {
        "_SBKUBE_CI_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(["sbkube-ci", *words]),
        "COMP_CWORD": str(len(words)),
    }
    result = CliRunner().invoke(cli_module.cli, [], env=env)
    return result.output.split()


def test_completion_offers_cluster_and_app_names_from_the_config() -> None:
    where = ["-C", str(QUICKSTART)]
    assert complete("plan", *where, "--cluster", "") == ["plain,prod", "plain,staging"]
    assert complete("deploy", *where, "--app", "w") == ["plain,web"]
    assert complete("rollback", *where, "c") == ["plain,config"]
    assert complete("history", *where, "--cluster", "st") == ["plain,staging"]


def test_completion_without_a_readable_config_offers_nothing(tmp_path: Path) -> None:
    assert complete("plan", "-C", str(tmp_path), "--cluster", "") == []
