"""The CLI contract: exit codes 0/1/3/130, one-line errors, tracebacks only with --debug."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sbkube_ci.commands import validate as validate_command
from tests.cli.helpers import DATA, ROOT, invoke

pytestmark = pytest.mark.usefixtures("outside_ci")


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
