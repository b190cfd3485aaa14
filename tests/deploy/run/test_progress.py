"""deploy shows each app's status and counts a lock wait down through the progress reporter."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.commands import lock as lock_command
from sbkube_ci.commands.deploy import DeployReport, DeployRequest, run_deploy
from sbkube_ci.progress import Outcome, Progress
from sbkube_ci.state import open_backend
from sbkube_ci.state.identity import Identity
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map
from tests.support.projects import DeployProject, deploy_project


class Recording(Progress):
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def stage(self, name: str, total: int) -> None:
        self.events.append(("stage", name, str(total)))

    def started(self, item: str) -> None:
        self.events.append(("started", item))

    def finished(self, item: str, outcome: Outcome = "ok", detail: str = "") -> None:
        self.events.append(("finished", item, outcome))

    def waiting(self, what: str, remaining: float) -> None:
        self.events.append(("waiting", what, str(remaining > 0)))

    def retrying(self, what: str, attempt: int, delay: float) -> None:
        self.events.append(("retrying", what, str(attempt)))

    def end_stage(self) -> None:
        self.events.append(("end",))


def _deploy_recording(project: DeployProject) -> tuple[DeployReport, Recording]:
    """Deploy ``project``, recording what its progress reporter is told."""
    progress = Recording()
    report = run_deploy(
        project.load(), DeployRequest(), echo=lambda line: None, backend=project.backend(),
        progress=progress,
    )  # fmt: skip
    return report, progress


def test_deploy_reports_each_app_and_the_lock_countdown(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.extra["state"]["lock"]["wait"] = "3s"
    project.app("config", [config_map("settings")])
    with project.lock_held_by("bob"):
        report, progress = _deploy_recording(project)

        assert report.exit_code == 1  # bob kept the lock for longer than the 3 s wait
        assert progress.events[0] == ("stage", "deploy", "1")
        waits = [e for e in progress.events if e[0] == "waiting"]
        assert waits
        assert waits[0] == ("waiting", "prod: lock held by bob (pid 1)", "True")
        assert progress.events[-1] == ("end",)

    report, progress = _deploy_recording(project)
    assert report.exit_code == 0, report.text()
    assert ("started", "prod/config") in progress.events
    assert ("finished", "prod/config", "ok") in progress.events


def test_a_throttling_api_server_is_waited_for_and_the_waits_are_shown(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.app("config", [config_map("settings")])
    fake_kube.throttle(2, retry_after="0")  # the first requests of the deploy get a 429
    progress = Recording()

    report = run_deploy(
        project.load(), DeployRequest(), echo=lambda line: None, backend=project.backend(),
        progress=progress,
    )  # fmt: skip

    assert report.exit_code == 0, report.text()
    retries = [e for e in progress.events if e[0] == "retrying"]
    server = f"API server 127.0.0.1:{fake_kube.server.port}: HTTP 429 on"
    assert [(e[1].startswith(server), e[2]) for e in retries] == [(True, "1"), (True, "2")]
    assert ("finished", "prod/config", "ok") in progress.events


def test_the_drift_look_of_force_shows_the_waits_too(tmp_path: Path, fake_kube: FakeKube) -> None:
    project = deploy_project(tmp_path, fake_kube, root=".")
    project.app("config", [config_map("settings")])
    assert project.deploy()[0].exit_code == 0
    fake_kube.throttle(1, retry_after="0")  # the first request: --force reading live objects
    progress = Recording()

    report = run_deploy(
        project.load(), DeployRequest(force=True), echo=lambda line: None,
        backend=project.backend(), progress=progress,
    )  # fmt: skip

    assert report.exit_code == 0, report.text()
    assert report.results == []  # nothing drifted
    retries = [e for e in progress.events if e[0] == "retrying"]
    assert [(e[1].split(": HTTP 429 on ")[0], e[2]) for e in retries] == [
        (f"API server 127.0.0.1:{fake_kube.server.port}", "1")
    ]


def test_history_names_the_app_that_failed(tmp_path: Path, fake_kube: FakeKube) -> None:
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.app("config", [config_map("settings")])
    project.app(
        "widget", [{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}]
    )

    report, _ = project.deploy()

    assert report.exit_code == 1, report.text()
    [record] = project.backend().list_history(cluster="prod")
    assert record.result == "failed"
    assert record.detail.startswith("widget: ")


def test_a_cluster_wide_failure_is_said_once(
    tmp_path: Path, fake_kube: FakeKube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG_PROD", raising=False)
    project = DeployProject(tmp_path, {"prod": None})
    project.cluster_fields["prod"] = {"kubeconfig_env": "KUBECONFIG_PROD"}
    project.app("config", [config_map("settings")])
    project.app("other", [config_map("other")])

    report, _ = project.deploy()

    text = report.text()
    assert text.count("KUBECONFIG_PROD") == 1, text
    assert text.splitlines()[-1].startswith(
        "prod: FAILED (all 2 apps): cluster prod: environment variable KUBECONFIG_PROD"
    )


def test_deploy_works_under_the_lock_its_job_took(tmp_path: Path, fake_kube: FakeKube) -> None:
    """lock acquire → migrate → deploy → lock release: deploy must not wait on itself."""
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.app("config", [config_map("settings")])
    job = open_backend(project.load(), identity=Identity("alice", "github run 5.1", ""))
    job.acquire_lock("prod", reason="migrate the database")
    lines: list[str] = []

    report = run_deploy(project.load(), DeployRequest(), echo=lines.append, backend=job)

    assert report.exit_code == 0, report.text()
    assert "prod: using the lock this job holds (alice (github run 5.1))" in lines
    holder = job.lock_status("prod")
    assert holder is not None  # still held: the pipeline's lock release step frees it
    assert holder.reason == "migrate the database"


def test_lock_held_uses_the_acquisition_lock_acquire_remembered(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    """A shell: lock acquire, then deploy --lock-held from another process, then release."""
    project = deploy_project(tmp_path, fake_kube, ready=False, root=".")
    project.app("config", [config_map("settings")])
    later = open_backend(project.load(), identity=Identity("alice@laptop", "pid 200", ""))

    refused = run_deploy(project.load(), DeployRequest(lock_held=True), echo=print, backend=later)
    assert refused.exit_code == 1
    assert refused.results[0].detail == (
        "cluster prod: --lock-held, but this job holds no lock on it (none taken by lock "
        "acquire here, or its lease ended); take it: sbkube-ci lock acquire --cluster prod"
    )

    assert (
        lock_command.acquire(
            tmp_path, None, "prod", reason="db", wait="0", lease="1h", output_format="text"
        )
        == 0
    )
    plain = run_deploy(project.load(), DeployRequest(), echo=print, backend=later)
    assert plain.exit_code == 1  # another process: without --lock-held it is someone's lock
    assert "wait longer (state.lock.wait in sbkube.yaml, or lock acquire --wait)" in (
        plain.results[0].detail
    )
    held = run_deploy(project.load(), DeployRequest(lock_held=True), echo=print, backend=later)
    assert held.exit_code == 0, held.text()
    assert later.lock_status("prod") is not None  # left for lock release
    assert lock_command.release(tmp_path, None, "prod", force=False, reason="") == 0
    assert later.lock_status("prod") is None
