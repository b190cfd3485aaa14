"""Hook apps and an app's pre/post deploy tasks run in deploy, in order, with retry/on_failure."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from sbkube_ci.render.pipeline import render_project
from tests.support.objects import config_map
from tests.support.projects import DeployProject, write_files

KUBECTL = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")


def _seen(*names: str) -> str:
    """A command logging which of the ConfigMaps ``names`` exist in shop right now."""
    return "; ".join(
        f"{KUBECTL} get configmap {n} -n shop -o name --ignore-not-found >> order.log"
        for n in names
    )


@pytest.fixture
def project(project: DeployProject) -> DeployProject:
    smoke = yaml.safe_dump(config_map("from-file"))
    write_files(project.root, {"hooks/smoke.yaml": smoke})
    project.apps["warmup"] = {
        "type": "hook",
        "tasks": [
            {"type": "manifests", "name": "smoke", "files": ["hooks/smoke.yaml"]},
            {"type": "command", "name": "one", "command": _seen("from-file", "marker")},
            {"type": "inline", "name": "marker", "content": config_map("marker")},
            {"type": "command", "name": "two", "command": ["sh", "-c", _seen("marker")]},
        ],
    }
    return project


def _log(project: DeployProject) -> list[str]:
    return (project.root / "order.log").read_text().split()


def test_hook_app_runs_its_tasks_in_order(project: DeployProject) -> None:
    render_project(project.load())  # what plan does: runs nothing
    assert not (project.root / "order.log").exists()

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert _log(project) == ["configmap/from-file", "configmap/marker"]
    state = project.backend().read_state("prod").apps["warmup"]
    assert sorted(ref.name for ref in state.inventory) == ["from-file", "marker"]


def test_hook_app_runs_again_only_when_its_input_changes(project: DeployProject) -> None:
    project.deploy()
    (project.root / "order.log").unlink()

    report, _ = project.deploy()

    assert report.results == []
    assert not (project.root / "order.log").exists()

    (project.root / "hooks" / "smoke.yaml").write_text(
        yaml.safe_dump(config_map("from-file", a="b"))
    )
    report, _ = project.deploy()

    assert [r.app for r in report.results] == ["warmup"]
    assert (project.root / "order.log").exists()


def test_pre_and_post_deploy_tasks_run_around_a_yaml_app(project: DeployProject) -> None:
    del project.apps["warmup"]
    (project.root / "hooks" / "before.yaml").write_text(yaml.safe_dump(config_map("before")))
    project.app(
        "config",
        [config_map("settings")],
        hooks={
            "pre_deploy_manifests": ["hooks/before.yaml"],
            "pre_deploy_tasks": [
                {"type": "command", "name": "pre", "command": _seen("before", "settings")}
            ],
            "post_deploy_tasks": [
                {"type": "inline", "name": "after", "content": [config_map("after")]},
                {"type": "command", "name": "post", "command": _seen("settings", "after")},
            ],
        },
    )

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert _log(project) == ["configmap/before", "configmap/settings", "configmap/after"]
    # hook objects are not the app's inventory: the next deploy does not prune them
    state = project.backend().read_state("prod").apps["config"]
    assert [ref.name for ref in state.inventory] == ["settings"]


def test_command_task_retries_and_ignores_a_failure(project: DeployProject) -> None:
    project.apps["warmup"]["tasks"] = [
        {
            "type": "command",
            "name": "flaky",
            "command": "test -f tried || { touch tried; exit 3; }; echo ok >> order.log",
            "retry": {"max_attempts": 2, "delay": 0},
        },
        {"type": "command", "name": "broken", "command": "exit 5", "on_failure": "ignore"},
        {"type": "command", "name": "shaky", "command": "exit 6", "on_failure": "warn"},
        {"type": "command", "name": "last", "command": "echo last >> order.log"},
    ]

    report, lines = project.deploy()

    assert report.exit_code == 0, report.text()
    assert _log(project) == ["ok", "last"]
    assert any(
        line.startswith("ignored: prod/warmup task broken: `exit 5` exited 5") for line in lines
    )
    assert any(
        line.startswith("warning: prod/warmup task shaky: `exit 6` exited 6") for line in lines
    )


def test_command_task_failure_fails_the_app_without_retry_left(project: DeployProject) -> None:
    project.apps["warmup"]["tasks"] = [
        {"type": "command", "name": "broken", "command": "echo x >> order.log; exit 5", "retry": 1}
    ]

    report, _ = project.deploy()

    [warmup] = report.results
    assert warmup.result == "failed"
    assert "prod/warmup task broken: `echo x >> order.log; exit 5` exited 5" in warmup.detail
    assert _log(project) == ["x", "x"]
    assert "warmup" not in project.backend().read_state("prod").apps


def test_exec_disabled_fails_command_tasks_even_when_ignored(
    project: DeployProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SBKUBE_ALLOW_EXEC", "false")
    project.apps["warmup"]["tasks"] = [
        {"type": "command", "name": "c", "command": "echo x >> order.log", "on_failure": "ignore"}
    ]

    report, _ = project.deploy()

    [warmup] = report.results
    assert warmup.result == "failed"
    assert "running commands is disabled (SBKUBE_ALLOW_EXEC=false)" in warmup.detail
    assert not (project.root / "order.log").exists()
