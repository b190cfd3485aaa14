"""state migrate --to: state, history and snapshots copied to another backend, locks refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.config.loader import load_project
from sbkube_ci.state import AppState, HistoryChange, StateDocument, open_backend
from sbkube_ci.state.identity import Identity
from tests.fixtures.git_server import GitServer

CONFIG = """\
apiVersion: sbkube/v1
clusters:
  prod: {{context: prod}}
state:
  backend: {backend}
  local: {{path: .sbkube/state}}
  git: {{remote: "{remote}"}}
"""


def write_config(root: Path, backend: str, remote: str) -> None:
    (root / "sbkube.yaml").write_text(CONFIG.format(backend=backend, remote=remote))


def deployed(root: Path) -> str:
    backend = open_backend(load_project(root), identity=Identity("carol", "pid 1", ""))
    snapshot = backend.save_snapshot("prod", "kind: ConfigMap\nmetadata: {name: a}\n")

    def mutate(doc: StateDocument) -> StateDocument:
        doc.apps["web"] = AppState(revision=1, snapshot=snapshot)
        return doc

    record = backend.new_record("deploy", "prod", apps=[HistoryChange(app="web", new_revision=1)])
    backend.update("prod", mutate, record=record)
    return snapshot


def migrate(root: Path, target: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["state", "migrate", "--to", target, "-C", str(root)])
    return result.exit_code, result.output


def test_local_state_moves_to_git_in_one_commit(tmp_path: Path, git_server: GitServer) -> None:
    git_server.create("deploys", {"README.md": "x\n"})
    remote = git_server.url("deploys")
    write_config(tmp_path, "local", remote)
    snapshot = deployed(tmp_path)

    code, output = migrate(tmp_path, "git")

    assert code == 0, output
    assert "copied 1 state document(s), 1 history record(s), 1 snapshot(s)" in output
    assert "now set state.backend: git in sbkube.yaml" in output
    write_config(tmp_path, "git", remote)
    backend = open_backend(load_project(tmp_path))
    assert backend.read_state("prod").apps["web"].snapshot == snapshot
    assert backend.load_snapshot("prod", snapshot).startswith("kind: ConfigMap")
    assert [r.apps[0].app for r in backend.list_history(cluster="prod")] == ["web"]
    clone = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run(["git", "fetch", "-q", remote, "sbkube-state"], cwd=clone, check=True)
    count = subprocess.run(
        ["git", "rev-list", "--count", "FETCH_HEAD"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    assert count.stdout.strip() == "1"

    # run again: nothing differs, nothing breaks (an interrupted migration is re-run)
    write_config(tmp_path, "local", remote)
    assert migrate(tmp_path, "git")[0] == 0


def test_migrate_refuses_a_locked_cluster_and_the_same_backend(tmp_path: Path) -> None:
    write_config(tmp_path, "local", str(tmp_path / "nowhere"))
    deployed(tmp_path)
    assert migrate(tmp_path, "local") == (
        1,
        "error: --to local: the state is already there (state.backend: local)\n",
    )
    open_backend(load_project(tmp_path)).acquire_lock("prod")
    code, output = migrate(tmp_path, "git")
    assert code == 1
    assert "error: cluster prod is locked; migrate when no deploy runs" in output


@pytest.mark.parametrize("target", ["s3"])
def test_migrate_to_s3_needs_its_settings(tmp_path: Path, target: str) -> None:
    write_config(tmp_path, "local", str(tmp_path / "nowhere"))
    assert migrate(tmp_path, target) == (
        1,
        "error: --to s3: add state.s3 (at least a bucket) to sbkube.yaml first\n",
    )
