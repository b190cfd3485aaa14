"""Attack: read everything the state store holds after deploys; no Secret value is in clear.

Deploys go to the fake Kubernetes API server; the state lives in moto's S3 server, a Git
daemon and a local directory. With ``SBKUBE_STATE_KEY`` a rollback restores the old Secret
value; without it the snapshot keeps digests only and a rollback says what to do instead.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyrage import x25519

from sbkube_ci.cli import cli
from sbkube_ci.config.loader import load_project
from sbkube_ci.diff.credentials import masked_values
from sbkube_ci.errors import StateError
from sbkube_ci.planning.engine import make_plan
from sbkube_ci.state import keys, sealing
from tests.fakekube.fixture import FakeKube
from tests.fixtures.git_server import GitServer
from tests.fixtures.s3_server import S3Server
from tests.state.raw import git_objects, local_objects, s3_objects
from tests.support import objects
from tests.support.cluster import kube_apply
from tests.support.objects import b64
from tests.support.projects import DeployProject

OLD = "hunter2-Old-Pa55word!"
NEW = "correct-horse-New-battery"


def secret(value: str) -> dict[str, Any]:
    return objects.secret("db", data={"password": value})


def forms(value: str) -> list[bytes]:
    return [value.encode(), b64(value).encode(), b64(value).rstrip("=").encode()]


@pytest.fixture(params=["local", "s3", "git"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The project's ``state:`` section and a reader of every raw object in that store."""
    if request.param == "local":
        root = tmp_path / "repo" / ".sbkube" / "state"
        return {"state": {"backend": "local"}, "raw": lambda: local_objects(root)}
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        bucket = server.create_bucket("deploy-state")
        state = {"backend": "s3", "s3": {"bucket": bucket, "endpoint_url": server.endpoint_url}}
        return {"state": state, "raw": lambda: s3_objects(server, bucket)}
    git_server: GitServer = request.getfixturevalue("git_server")
    git_server.create("deploys", {"README.md": "state lives on another branch\n"})
    url = git_server.url("deploys")
    work = tmp_path / "attacker"
    work.mkdir()
    return {
        "state": {"backend": "git", "git": {"remote": url}},
        "raw": lambda: git_objects(url, work),
    }


@pytest.fixture
def project(project: DeployProject, store: dict[str, Any]) -> DeployProject:
    project.extra["state"] = {**store["state"], "lock": {"wait": "0s"}}
    return project


def live_password(fake_kube: FakeKube) -> str:
    stored = fake_kube.require("Secret", "shop", "db")
    return base64.b64decode(stored["data"]["password"]).decode()


def assert_not_in(blobs: list[bytes], value: str) -> None:
    for blob in blobs:
        for form in forms(value):
            assert form not in blob


@pytest.fixture
def state_key(monkeypatch: pytest.MonkeyPatch) -> x25519.Identity:
    identity = x25519.Identity.generate()
    monkeypatch.setenv(sealing.KEY_ENV, str(identity))
    return identity


def test_with_a_key_no_secret_is_stored_in_clear_and_rollback_restores_it(
    project: DeployProject, fake_kube: FakeKube, store: dict[str, Any], state_key: object
) -> None:
    project.app("web", [secret(OLD)])
    assert project.deploy()[0].exit_code == 0
    project.app("web", [secret(NEW)])
    assert project.deploy()[0].exit_code == 0
    assert live_password(fake_kube) == NEW

    result = CliRunner().invoke(cli, ["rollback", "web", "-C", str(project.root)])

    assert result.exit_code == 0, result.output
    assert live_password(fake_kube) == OLD
    raw = store["raw"]()
    assert raw, "the attacker read nothing: the reader is broken"
    assert_not_in(raw, OLD)
    assert_not_in(raw, NEW)
    assert any(sealing.HEADER.encode() in blob for blob in raw)


def test_without_a_key_values_are_digests_and_rollback_says_what_to_do(
    project: DeployProject,
    fake_kube: FakeKube,
    store: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(sealing.KEY_ENV, raising=False)
    project.app("web", [secret(OLD)])
    assert project.deploy()[0].exit_code == 0
    project.app("web", [secret(NEW)])
    assert project.deploy()[0].exit_code == 0

    result = CliRunner().invoke(cli, ["rollback", "web", "-C", str(project.root)])

    assert result.exit_code == 1
    error = result.output.strip().splitlines()
    assert len(error) == 1, result.output
    assert "Secret values only as digests" in error[0]
    assert "deploy the wanted commit instead" in error[0]
    assert live_password(fake_kube) == NEW  # nothing half-restored
    assert_not_in(store["raw"](), OLD)
    assert_not_in(store["raw"](), NEW)


def test_plan_against_a_sealed_snapshot_needs_no_key_and_still_sees_changes(
    project: DeployProject, state_key: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.app("web", [secret(OLD)])
    assert project.deploy()[0].exit_code == 0
    monkeypatch.delenv(sealing.KEY_ENV)  # a PR job has no key

    project.app("web", [secret(OLD), {**secret(OLD), "metadata": {"name": "other"}}])
    same = make_plan(project.load()).plan.clusters[0].apps[0]
    project.app("web", [secret(NEW)])
    changed = make_plan(project.load()).plan.clusters[0].apps[0]

    db = next(o for o in same.objects if o.name == "db")
    assert db.action == "unchanged"
    assert changed.action == "update"
    assert "<masked: changed>" in changed.objects[0].diff
    assert OLD not in changed.objects[0].diff
    assert NEW not in changed.objects[0].diff


def test_a_rollback_without_the_key_names_the_variable(
    project: DeployProject, state_key: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.app("web", [secret(OLD)])
    project.deploy()
    project.app("web", [secret(NEW)])
    project.deploy()
    monkeypatch.delenv(sealing.KEY_ENV)

    result = CliRunner().invoke(cli, ["rollback", "web", "-C", str(project.root)])

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert f"set {sealing.KEY_ENV} to the state's age key" in result.output


def test_a_bad_key_is_one_line_before_anything_is_applied(
    project: DeployProject, fake_kube: FakeKube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sealing.KEY_ENV, "AGE-SECRET-KEY-1NOTAKEY")
    project.app("web", [secret(OLD)])
    project.write()

    result = CliRunner().invoke(cli, ["deploy", "-C", str(project.root)])

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert f"{sealing.KEY_ENV}: not an age identity" in result.output
    assert fake_kube.get("Secret", "shop", "db") is None


def test_old_clear_snapshots_are_sealed_and_a_key_is_rotated(
    project: DeployProject, store: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A snapshot as sbkube-ci wrote it before sealing: the manifests gzip-compressed, in clear.
    monkeypatch.delenv(sealing.KEY_ENV, raising=False)
    project.app("web", [])
    project.write()
    backend = project.backend()
    manifests = "---\n" + sealing.yaml.safe_dump(secret(OLD))
    digest = "sha256:" + hashlib.sha256(manifests.encode()).hexdigest()
    key = keys.snapshot_key("prod", digest)
    backend.store.put(key, gzip.compress(manifests.encode()), expect=None, message="old")
    assert any(OLD.encode() in b or b64(OLD).encode() in b for b in store["raw"]())

    old_key = x25519.Identity.generate()
    monkeypatch.setenv(sealing.KEY_ENV, str(old_key))
    result = CliRunner().invoke(cli, ["state", "seal", "-C", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "prod: 1 snapshot(s) sealed" in result.output
    assert backend.load_snapshot("prod", digest) == manifests

    new_key = x25519.Identity.generate()
    monkeypatch.setenv(sealing.KEY_ENV, f"{new_key}\n{old_key}")
    result = CliRunner().invoke(cli, ["state", "seal", "-C", str(project.root)])
    assert "prod: 1 snapshot(s) sealed" in result.output
    monkeypatch.setenv(sealing.KEY_ENV, str(new_key))
    assert backend.load_snapshot("prod", digest) == manifests
    monkeypatch.setenv(sealing.KEY_ENV, str(old_key))
    with pytest.raises(StateError, match="none of the keys in SBKUBE_STATE_KEY decrypts"):
        backend.load_snapshot("prod", digest)
    if store["state"]["backend"] == "local":  # S3 versions and Git history keep the old bytes
        assert_not_in(store["raw"](), OLD)


def test_the_output_of_age_keygen_is_a_keyring_and_is_masked(tmp_path: Path) -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "sbkube_ci.state.sealing"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    second = x25519.Identity.generate()
    text = f"# created: 2026-12-05T08:00:00Z\n{generated}\n{second}\n"
    keyring = sealing.Keyring.from_environ({sealing.KEY_ENV: text})
    assert keyring is not None
    assert len(keyring.identities) == 2
    sealed = sealing.seal("---\n" + sealing.yaml.safe_dump(secret(OLD)), keyring)
    assert OLD not in sealed
    assert b64(OLD) not in sealed

    (tmp_path / "sbkube.yaml").write_text("apiVersion: sbkube/v1\napps: {}\n")
    values = masked_values(load_project(tmp_path), {sealing.KEY_ENV: text})
    assert str(second) in values
    assert [v for v in values if not v.startswith("AGE-SECRET-KEY-")] == []


def test_status_against_a_sealed_snapshot_needs_no_key_and_sees_a_changed_secret(
    project: DeployProject,
    fake_kube: FakeKube,
    store: dict[str, Any],
    state_key: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project.app("web", [secret(OLD)])
    assert project.deploy()[0].exit_code == 0
    monkeypatch.delenv(sealing.KEY_ENV)  # a scheduled drift check has no key
    status = ["status", "-C", str(project.root)]

    quiet = CliRunner().invoke(cli, status)
    edited = {**secret(NEW), "metadata": {"name": "db", "namespace": "shop"}}
    kube_apply(fake_kube.kubeconfig_path, edited, manager="kubectl-edit")
    drift = CliRunner().invoke(cli, status)

    assert (quiet.exit_code, quiet.output) == (0, "prod: no drift (1 app)\n")
    assert drift.exit_code == 2, drift.output
    assert "web: modified Secret shop/db: data.password" in drift.output
    for text in (quiet.output, drift.output):
        assert_not_in([text.encode()], OLD)
        assert_not_in([text.encode()], NEW)
