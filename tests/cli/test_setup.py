"""validate and schema through the command line: located problems, JSON output, no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sbkube_ci.commands.schema import json_schema
from sbkube_ci.config.loader import read_document
from tests.cli.helpers import DATA, invoke, run_cli

LITERAL = "hunter2-literal-password"


pytestmark = pytest.mark.usefixtures("outside_ci")


def test_validate_in_ci_warns_that_local_state_is_not_shared() -> None:
    result = run_cli("validate", "-C", "examples/quickstart", CI="true")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "examples/quickstart/sbkube.yaml:37:1: warning: state.backend: local keeps state in "
    )
    assert lines[0].endswith("use backend git or s3 so plans, locks and history survive the job")
    assert lines[1] == "ok: examples/quickstart/sbkube.yaml: 2 app(s), 1 warning(s)"


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


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(json_schema())
