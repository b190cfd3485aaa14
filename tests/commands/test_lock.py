"""``sbkube-ci lock``: one-line refusals naming the holder, forced breaks in history."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sbkube_ci.commands.lock import acquire_with_countdown
from sbkube_ci.config.loader import load_project
from sbkube_ci.errors import LockError
from sbkube_ci.progress import Progress
from sbkube_ci.state import open_backend
from sbkube_ci.state.identity import Identity

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """\
apiVersion: sbkube/v1
clusters:
  prod: {context: prod}
  staging: {context: staging}
state:
  backend: local
"""


def sbkube(
    project: Path, *args: str, actor: str = "alice", run: str = "1"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "GITLAB"))}
    env.update(
        GITHUB_ACTOR=actor,
        GITHUB_RUN_ID=run,
        GITHUB_REPOSITORY="acme/shop",
        GITHUB_SERVER_URL="https://github.com",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *args, "-C", str(project)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "sbkube.yaml").write_text(CONFIG)
    return tmp_path


def test_acquire_wait_zero_names_the_holder(project: Path) -> None:
    taken = sbkube(project, "lock", "acquire", "--cluster", "prod", "--reason", "release 1.2")
    assert taken.returncode == 0, taken.stderr
    assert "prod: locked by alice (github run 1)" in taken.stdout
    refused = sbkube(project, "lock", "acquire", "--cluster", "prod", "--wait", "0", actor="bob")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert "locked by alice (github run 1)" in refused.stderr
    assert "https://github.com/acme/shop/actions/runs/1" in refused.stderr
    status = sbkube(project, "lock", "status", "--cluster", "prod", "--format", "json")
    assert json.loads(status.stdout)["lock"]["reason"] == "release 1.2"


def test_release_is_for_the_holder_and_force_breaks(project: Path) -> None:
    assert sbkube(project, "lock", "acquire", "--cluster", "prod").returncode == 0
    (project / ".sbkube" / "locks" / "prod.json").unlink()  # as if another job had taken it
    denied = sbkube(project, "lock", "release", "--cluster", "prod", actor="bob", run="2")
    assert denied.returncode == 1
    assert "not by bob (github run 2)" in denied.stderr
    forced = sbkube(
        project, "lock", "release", "--cluster", "prod", "--force", "--reason", "stuck",
        actor="bob", run="2",
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert "prod: broke the lock of alice (github run 1)" in forced.stdout
    assert sbkube(project, "lock", "status", "--cluster", "prod").stdout == "prod: free\n"
    history = json.loads(sbkube(project, "history", "--format", "json").stdout)
    assert [(h["kind"], h["actor"], h["cluster"]) for h in history] == [
        ("lock_break", "bob", "prod")
    ]
    assert "stuck" in history[0]["detail"]


def test_release_after_acquire_in_the_same_job(project: Path) -> None:
    assert sbkube(project, "lock", "acquire", "--cluster", "staging").returncode == 0
    released = sbkube(project, "lock", "release", "--cluster", "staging")
    assert released.returncode == 0, released.stderr
    assert "staging: released the lock of alice" in released.stdout
    assert sbkube(project, "lock", "release", "--cluster", "staging").stdout == (
        "staging: was not locked\n"
    )


def test_cluster_must_be_known(project: Path) -> None:
    result = sbkube(project, "lock", "status", "--cluster", "qa")
    assert result.returncode == 1
    assert "--cluster qa: not a cluster of sbkube.yaml; known: prod, staging" in result.stderr
    result = sbkube(project, "lock", "acquire", "--cluster", "prod", "--wait", "soon")
    assert "--wait soon: write seconds" in result.stderr


def test_acquire_counts_the_wait_down(tmp_path: Path) -> None:
    (tmp_path / "sbkube.yaml").write_text(CONFIG)
    project = load_project(tmp_path)
    open_backend(project, identity=Identity("bob", "pid 1", "")).acquire_lock("prod")
    waits: list[tuple[str, float]] = []

    class Recording(Progress):
        def waiting(self, what: str, remaining: float) -> None:
            waits.append((what, remaining))

    with pytest.raises(
        LockError, match=re.escape("state.lock.wait in sbkube.yaml, or lock acquire --wait")
    ):
        acquire_with_countdown(
            open_backend(project, identity=Identity("alice", "pid 2", "")),
            "prod", reason="", wait=3.0, lease=None, progress=Recording(),
        )  # fmt: skip
    assert waits
    assert {what for what, _ in waits} == {"prod: lock held by bob (pid 1)"}
    remaining = [left for _, left in waits]
    assert remaining == sorted(remaining, reverse=True)
    assert remaining[0] <= 3.0
