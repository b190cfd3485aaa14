"""Exec apps and app hooks run in deploy (never in template/plan), masked, with the cluster env."""

from __future__ import annotations

import pytest

from sbkube_ci.render.pipeline import render_project
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map
from tests.support.projects import DeployProject

SECRET = "hunter2-very-secret"


@pytest.fixture
def project(project: DeployProject, monkeypatch: pytest.MonkeyPatch) -> DeployProject:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    project.extra["diff"] = {"mask_env": ["DB_PASSWORD"]}
    project.app(
        "config",
        [config_map("settings")],
        hooks={
            "pre_deploy": ["echo pre-$SBKUBE_APP >> hooks.log"],
            "post_deploy": ["echo post-$SBKUBE_APP >> hooks.log"],
        },
    )
    project.apps["migrate"] = {
        "type": "exec",
        "depends_on": ["config"],
        "commands": [
            "echo $SBKUBE_APP $SBKUBE_CLUSTER $SBKUBE_NAMESPACE $KUBECONFIG > exec.out",
            "echo password is $DB_PASSWORD",
        ],
    }
    return project


def test_exec_app_and_hooks_run_in_deploy_masked(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    render_project(project.load())  # what plan does: renders, runs nothing
    assert not (project.root / "hooks.log").exists()
    assert not (project.root / "exec.out").exists()

    report, lines = project.deploy()

    assert report.exit_code == 0, report.text()
    assert (project.root / "hooks.log").read_text().split() == ["pre-config", "post-config"]
    env = (project.root / "exec.out").read_text().split()
    assert env == ["migrate", "prod", "shop", str(fake_kube.kubeconfig_path)]
    output = "\n".join(lines)
    assert "prod/migrate: password is ***" in output
    assert SECRET not in output
    assert project.backend().read_state("prod").apps["migrate"].revision == 1


def test_exec_app_runs_again_only_when_its_commands_change(project: DeployProject) -> None:
    project.deploy()
    (project.root / "exec.out").unlink()

    report, _ = project.deploy()

    assert report.results == []
    assert not (project.root / "exec.out").exists()


def test_exec_disabled_fails_the_app_in_one_line(
    project: DeployProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SBKUBE_ALLOW_EXEC", "false")

    report, _ = project.deploy()

    assert report.exit_code == 1
    [config] = [r for r in report.results if r.app == "config"]
    assert config.result == "failed"
    assert "running commands is disabled (SBKUBE_ALLOW_EXEC=false)" in config.detail
    assert not (project.root / "exec.out").exists()


def test_failure_hook_runs_and_the_app_error_stays_the_one_reported(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app(
        "config",
        [config_map("settings")],
        hooks={"on_deploy_failure": ["echo failed-$SBKUBE_APP >> hooks.log", "exit 4"]},
    )
    fake_kube.forbid("patch", "configmaps")

    report, lines = project.deploy()

    [config] = [r for r in report.results if r.app == "config"]
    assert config.result == "failed"
    assert "forbidden" in config.detail.lower()
    assert (project.root / "hooks.log").read_text().split() == ["failed-config"]
    assert any("on_deploy_failure failed too" in line for line in lines)


def test_deploy_command_hooks_run_once_around_the_run(project: DeployProject) -> None:
    project.extra["hooks"] = {
        "deploy": {
            "pre": ["echo pre >> run.log"],
            "post": ["echo post >> run.log"],
            "on_failure": ["echo failure >> run.log"],
        }
    }

    report, _ = project.deploy()

    assert report.exit_code == 0
    assert (project.root / "run.log").read_text().split() == ["pre", "post"]


def test_a_failing_post_hook_fails_the_run(project: DeployProject) -> None:
    project.extra["hooks"] = {"deploy": {"post": ["echo smoke test failed >&2; exit 1"]}}

    report, lines = project.deploy()

    assert report.exit_code == 1
    assert all(r.result == "succeeded" for r in report.results)
    expected = "hooks.deploy.post: `echo smoke test failed >&2; exit 1` exited 1: smoke test failed"
    assert report.hook_error == expected
    assert report.text().splitlines()[-1] == f"error: {expected}"
    assert any(line.startswith("error: hooks.deploy.post") for line in lines)
