"""The CLI contract: exit codes 0/1/3/130, one-line errors, JSON output, SBKUBE_* options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sbkube_ci import cli as cli_module
from sbkube_ci.commands import validate as validate_command
from sbkube_ci.commands.schema import json_schema
from sbkube_ci.config.loader import read_document

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
LITERAL = "hunter2-literal-password"


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests describe a developer's shell; CI-only warnings are tested on their own."""
    monkeypatch.delenv("CI", raising=False)


def run_cli(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def test_validate_in_ci_warns_that_local_state_is_not_shared() -> None:
    result = run_cli("validate", "-C", "examples/quickstart", CI="true")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "examples/quickstart/sbkube.yaml:37:1: warning: state.backend: local keeps state in "
    )
    assert lines[0].endswith("use backend git or s3 so plans, locks and history survive the job")
    assert lines[1] == "ok: examples/quickstart/sbkube.yaml: 2 app(s), 1 warning(s)"


def invoke(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_module.cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_validate_quickstart_passes() -> None:
    result = run_cli("validate", "-C", "examples/quickstart")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: examples/quickstart/sbkube.yaml: 2 app(s)\n"


def test_missing_config_is_one_line_error(tmp_path: Path) -> None:
    result = run_cli("validate", "-C", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {tmp_path.resolve()}: no sbkube.yaml here (nor legacy config.yaml + "
        "sources.yaml); create one, or point at it with -C DIR or -f FILE\n"
    )


def test_problems_exit_1_with_located_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "invalid")
    code, out, err = invoke("validate", "-f", "14-dependency-cycle.yaml")
    assert code == 1
    assert (
        out.splitlines()
        == (DATA / "invalid" / "14-dependency-cycle.expected").read_text().splitlines()
    )
    assert err == "2 error(s), 0 warning(s)\n"


def test_warnings_alone_exit_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\napps:\n  db:\n    type: helm\n    chart: ./db\n"
        "    set_values: {adminPassword: plain}\n"
    )
    (tmp_path / "db").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("validate")
    assert code == 0
    assert out.splitlines() == [
        "sbkube.yaml:6:33: warning: apps.db.set_values.adminPassword: this looks like a secret "
        "written in plain text; keep the value in a CI secret or an encrypted values file",
        "ok: sbkube.yaml: 1 app(s), 1 warning(s)",
    ]


def test_json_output_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "invalid")
    code, out, _ = invoke("validate", "-f", "12-depends-on-missing-app.yaml", "--format", "json")
    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "files": ["12-depends-on-missing-app.yaml"],
        "apps": 0,
        "errors": 1,
        "warnings": 0,
        "problems": [
            {
                "file": "12-depends-on-missing-app.yaml",
                "line": 5,
                "column": 18,
                "path": "apps.web.depends_on[0]",
                "message": "app 'db' does not exist; known apps: db2",
                "severity": "error",
            }
        ],
    }


def test_json_output_for_unreadable_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "invalid")
    code, out, _ = invoke("validate", "-f", "30-invalid-yaml-syntax.yaml", "--format", "json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        {
            "file": "30-invalid-yaml-syntax.yaml",
            "line": 5,
            "column": 4,
            "path": "",
            "message": "invalid YAML: did not find expected key; this line is indented "
            "differently from the keys above it; give the keys of one mapping the same indentation",
            "severity": "error",
        }
    ]


def test_json_output_when_no_config_is_found(tmp_path: Path) -> None:
    code, out, _ = invoke("validate", "-C", str(tmp_path), "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False
    assert document["problems"][0]["message"].startswith("no sbkube.yaml here")


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


def test_literal_credential_is_refused_and_never_printed(tmp_path: Path) -> None:
    (tmp_path / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\nsettings:\n  helm_repos:\n    private:\n"
        f"      url: https://charts.example.com\n      password: {LITERAL}\n"
    )
    for output_format in ("text", "json"):
        result = run_cli("--debug", "validate", "-C", str(tmp_path), "--format", output_format)
        assert result.returncode == 1
        assert LITERAL not in result.stdout + result.stderr
        assert "credentials are never written in the file" in result.stdout


def test_unexpected_error_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(validate_command, "read_document", explode)
    code, out, err = invoke("validate", "-C", str(DATA / "valid" / "unified"))
    assert code == 3
    assert out == ""
    assert err == "internal error: KeyError: 'boom'; rerun with --debug for the traceback\n"


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(validate_command, "read_document", explode)
    code, _, err = invoke("--debug", "validate", "-C", str(DATA / "valid" / "unified"))
    assert code == 3
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("internal error: KeyError: 'boom'; rerun with --debug for the traceback\n")


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_command, "read_document", interrupt)
    code, _, err = invoke("validate")
    assert (code, err.strip()) == (130, "interrupted")


def test_usage_error_is_one_line_exit_1() -> None:
    code, _, err = invoke("validate", "--format", "xml")
    assert code == 1
    assert err == (
        "error: Invalid value for '--format': 'xml' is not one of 'text', 'json'; "
        "see sbkube-ci validate --help\n"
    )


def _leaf_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    leaves: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            leaves += _leaf_commands(command, f"{prefix}{name} ")
        else:
            leaves.append((f"{prefix}{name}", command))
    return leaves


# `ci` reads its settings from the CI platform's INPUT_* variables and writes the platform's
# output files; `lock release` prints one line whatever happens.
_WITHOUT_FORMAT = {"ci", "lock release", "state migrate"}


def test_every_subcommand_has_the_common_options() -> None:
    leaves = _leaf_commands(cli_module.cli)
    assert len(leaves) >= 10
    for name, command in leaves:
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        required = {"-C", "--chdir", "-f", "--file"}
        if name not in _WITHOUT_FORMAT:
            required.add("--format")
        assert required <= options, name


def test_schema_command_prints_the_schema() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    assert json.loads(out) == json_schema()


@pytest.mark.parametrize("layout", ["unified", "legacy-mapping", "legacy-list"])
def test_json_schema_accepts_the_valid_set(layout: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc, _, _ = read_document(DATA / "valid" / layout)
    validator = jsonschema.Draft202012Validator(json_schema())
    assert [error.message for error in validator.iter_errors(doc.data)] == []


def test_json_schema_refuses_a_literal_credential() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = {
        "apiVersion": "sbkube/v1",
        "settings": {"helm_repos": {"p": {"url": "https://x", "password": LITERAL}}},
    }
    assert not jsonschema.Draft202012Validator(json_schema()).is_valid(data)


def test_debug_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(validate_command, "read_document", explode)
    code, _, err = invoke("validate", SBKUBE_DEBUG="1")
    assert code == 3
    assert err.startswith("Traceback (most recent call last):")


def test_no_arguments_print_help() -> None:
    code, out, _ = invoke()
    assert code == 0
    assert out.startswith("Usage: sbkube-ci [OPTIONS] COMMAND [ARGS]...")


def test_closed_pipe_is_not_an_internal_error() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "sbkube_ci", "schema"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as process:
        assert process.stdout is not None
        process.stdout.close()  # the reader is gone before the first write (click exits 1)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert b"internal error" not in err
    assert b"Traceback" not in err


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(json_schema())
