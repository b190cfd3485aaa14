"""The options every command shares: -C, -f and --format, also as SBKUBE_* variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sbkube_ci import cli as cli_module
from tests.cli.helpers import DATA, invoke, leaf_commands

pytestmark = pytest.mark.usefixtures("outside_ci")


def test_options_from_environment() -> None:
    code, out, _ = invoke(
        "validate", SBKUBE_CHDIR=str(DATA / "valid" / "unified"), SBKUBE_FORMAT="json"
    )
    assert code == 0
    document = json.loads(out)
    assert document["ok"] is True
    assert document["apps"] == 11


def test_file_option_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "invalid")
    code, out, _ = invoke("validate", SBKUBE_FILE="03-wrong-api-version.yaml")
    assert code == 1
    assert out == "03-wrong-api-version.yaml:1:13: apiVersion: must be 'sbkube/v1'\n"


def test_file_option_picks_another_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "deploy.yaml").write_text("apiVersion: sbkube/v1\napps:\n  a: {type: noop}\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("validate", "-f", "deploy.yaml")
    assert (code, out) == (0, "ok: deploy.yaml: 1 app(s)\n")


# `ci` reads its settings from the CI platform's INPUT_* variables and writes the platform's
# output files; `lock release` prints one line whatever happens.
_WITHOUT_FORMAT = {"ci", "lock release", "state migrate"}
# the JSON Schema is the same for every project, and JSON whatever --format would say
_WITHOUT_OPTIONS = {"schema"}


def test_every_subcommand_has_the_common_options() -> None:
    leaves = leaf_commands(cli_module.cli)
    assert len(leaves) >= 10
    for name, command in leaves:
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        if name in _WITHOUT_OPTIONS:
            assert options == set(), name
            continue
        required = {"-C", "--chdir", "-f", "--file"}
        if name not in _WITHOUT_FORMAT:
            required.add("--format")
        assert required <= options, name


def test_schema_refuses_the_options_it_would_ignore() -> None:
    code, out, err = invoke("schema", "-C", "deploy")
    assert (code, out) == (1, "")
    assert err == "error: No such option '-C'; see sbkube-ci schema --help\n"
