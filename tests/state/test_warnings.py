"""``state_warnings``: offline checks always, the store contacted only when online."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.config.loader import load_project
from sbkube_ci.state import state_warnings
from tests.fixtures.git_server import GitServer
from tests.fixtures.net import free_port


def _project(tmp_path: Path, state: str) -> Path:
    (tmp_path / "sbkube.yaml").write_text(f"apiVersion: sbkube/v1\nstate:\n{state}")
    return tmp_path


def test_local_backend_warns_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(_project(tmp_path, "  backend: local\n"))
    monkeypatch.delenv("CI", raising=False)
    assert state_warnings(project) == []
    monkeypatch.setenv("CI", "true")
    [warning] = state_warnings(project)
    assert "CI jobs do not share" in warning


def test_git_remote_checked_only_online(tmp_path: Path, git_server: GitServer) -> None:
    git_server.create("present")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    state = "  backend: git\n  git: {{remote: '{}'}}\n"
    good = load_project(_project(tmp_path / "a", state.format(git_server.url("present"))))
    assert state_warnings(good, online=True) == []
    dead = f"git://127.0.0.1:{free_port()}/gone.git"
    bad = load_project(_project(tmp_path / "b", state.format(dead)))
    assert state_warnings(bad) == []
    [warning] = state_warnings(bad, online=True)
    assert warning.startswith(f"state.git.remote: cannot reach {dead}")


def test_missing_token_variable_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATE_TOKEN", raising=False)
    state = (
        "  backend: git\n  git: {remote: 'https://git.example.com/x.git', token_env: STATE_TOKEN}\n"
    )
    [warning] = state_warnings(load_project(_project(tmp_path, state)))
    assert "state.git.token_env: environment variable STATE_TOKEN is not set" in warning
