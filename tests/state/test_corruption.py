"""Attack on the audit trail: one corrupt object in the store does not hide or block the rest.

Corrupt bytes are written straight into each real store (local directory, moto S3, Git
daemon) as a broken or hostile writer would, then the CLI is run against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.errors import StateError
from sbkube_ci.state import StateBackend, keys
from tests.state.workers import StoreSpec


def _project(spec: StoreSpec, root: Path) -> Path:
    """A project whose local state (under tmp_path) is inside it: root is tmp_path itself."""
    if spec.kind == "local":
        state = f"{{backend: local, local: {{path: '{spec.location}'}}}}"
    elif spec.kind == "s3":
        state = (
            f"{{backend: s3, s3: {{bucket: {spec.location}, prefix: team, "
            f"endpoint_url: '{spec.endpoint_url}'}}}}"
        )
    else:
        state = f"{{backend: git, git: {{remote: '{spec.location}'}}}}"
    root.mkdir(exist_ok=True)
    (root / "sbkube.yaml").write_text(
        f"apiVersion: sbkube/v1\nclusters: {{prod: {{}}}}\nstate: {state}\napps: {{}}\n"
    )
    return root


def _deploys(backend: StateBackend, count: int) -> list[str]:
    ids = []
    for i in range(count):
        record = backend.new_record("deploy", "prod", commit=f"{i:07d}")
        backend.append_history(record)
        ids.append(record.id)
    return ids


def test_one_corrupt_history_record_does_not_hide_the_others(
    spec: StoreSpec, tmp_path: Path
) -> None:
    backend = spec.backend()
    ids = _deploys(backend, 3)
    bad_key = keys.history_key("prod", 10**12, "20261127T081012Z-deadbeef")
    spec.open().put(bad_key, b'{"id": "x", "kind": "deploy", "time": ', expect=None, message="")

    problems: list[str] = []
    records = backend.list_history(cluster="prod", problems=problems)

    assert sorted(r.id for r in records) == sorted(ids)
    assert len(problems) == 1
    assert bad_key in problems[0]
    assert "\n" not in problems[0]
    result = CliRunner().invoke(cli, ["history", "-C", str(_project(spec, tmp_path))])
    assert result.exit_code == 0, result.output
    assert all(i in result.output for i in ids)
    assert f"warning: {spec.open().description}/{bad_key}: not a history record" in result.output


def test_lock_release_force_clears_a_corrupt_lock(spec: StoreSpec, tmp_path: Path) -> None:
    store = spec.open()
    store.put(keys.lock_key("prod"), b"\x00 not json", expect=None, message="corrupt")
    backend = spec.backend()
    with pytest.raises(StateError, match="lock release --cluster prod --force"):
        backend.acquire_lock("prod", wait=0)
    root = _project(spec, tmp_path)

    result = CliRunner().invoke(cli, ["lock", "release", "--force", "-C", str(root)])

    assert result.exit_code == 0, result.output
    assert backend.lock_status("prod") is None
    backend.release_lock(backend.acquire_lock("prod", wait=0))
    [record] = backend.list_history(cluster="prod")
    assert record.kind == "lock_break"
    assert "corrupt lock record" in record.detail
