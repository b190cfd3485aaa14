"""Deploy and rollback with the state in Git (git daemon) and in S3 (moto server)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from tests.fakekube.fixture import FakeKube
from tests.fixtures.git_server import GitServer
from tests.fixtures.s3_server import S3Server
from tests.support.cluster import kube_apply
from tests.support.objects import config_map, namespace
from tests.support.projects import DeployProject


def _state(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        bucket = server.create_bucket("deploy-state")
        return {"backend": "s3", "s3": {"bucket": bucket, "endpoint_url": server.endpoint_url}}
    git_server: GitServer = request.getfixturevalue("git_server")
    git_server.create("deploys", {"README.md": "state lives on another branch\n"})
    return {"backend": "git", "git": {"remote": git_server.url("deploys")}}


@pytest.fixture(params=["git", "s3"])
def project(request: pytest.FixtureRequest, project: DeployProject) -> DeployProject:
    project.extra["state"] = {**_state(request), "lock": {"wait": "0s"}}
    return project


def test_deploy_change_and_rollback(project: DeployProject, fake_kube: FakeKube) -> None:
    project.app("web", [config_map("settings", color="blue"), config_map("extra")])
    assert project.deploy()[0].exit_code == 0
    project.app("web", [config_map("settings", color="green")])
    report, _ = project.deploy()
    assert [(r.action, r.result) for r in report.results] == [("update", "succeeded")]
    assert fake_kube.get("ConfigMap", "shop", "extra") is None

    result = CliRunner().invoke(cli, ["rollback", "web", "-C", str(project.root)])

    assert result.exit_code == 0, result.output
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "blue"}
    assert fake_kube.get("ConfigMap", "shop", "extra") is not None
    backend = project.backend()
    assert backend.read_state("prod").apps["web"].revision == 3
    assert [r.kind for r in backend.list_history(cluster="prod")] == [
        "rollback",
        "deploy",
        "deploy",
    ]
    assert backend.lock_status("prod") is None


def test_git_state_writes_one_commit_per_app_and_two_per_run(
    tmp_path: Path, fake_kube: FakeKube, git_server: GitServer
) -> None:
    """6 apps: lock, one commit per app (snapshot and state together), history with release."""
    fake_kube.auto_ready()
    kube_apply(fake_kube.kubeconfig_path, namespace("shop"))
    git_server.create("deploys", {"README.md": "state\n"})
    project = DeployProject(tmp_path / "repo", {"prod": fake_kube.kubeconfig_path})
    project.root.mkdir()
    remote = git_server.url("deploys")
    project.extra["state"] = {"backend": "git", "git": {"remote": remote}, "lock": {"wait": "0s"}}
    for index in range(6):
        project.app(f"app{index}", [config_map(f"settings{index}", n=str(index))])

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    log = subprocess.run(
        ["git", "log", "--format=%s", "FETCH_HEAD"],
        cwd=_fetch_branch(tmp_path / "clone", remote, "sbkube-state"),
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert len(log) == 6 + 2, log
    assert log[-1].startswith("sbkube-ci: lock prod")
    assert log[0].startswith("sbkube-ci: release lock prod")
    backend = project.backend()
    [record] = backend.list_history(cluster="prod")  # it rode in the release commit
    assert (record.result, len(record.apps)) == ("succeeded", 6)
    assert backend.lock_status("prod") is None
    state = backend.read_state("prod")
    for app in state.apps.values():  # every state entry's snapshot is in the branch
        assert backend.load_snapshot("prod", app.snapshot)


def _fetch_branch(where: Path, remote: str, branch: str) -> Path:
    subprocess.run(["git", "init", "-q", str(where)], check=True)
    subprocess.run(["git", "fetch", "-q", remote, branch], cwd=where, check=True)
    return where
