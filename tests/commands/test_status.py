"""``sbkube-ci status``: drift between the recorded deploy and the live objects (exit 2)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from sbkube_ci.cli import cli
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import kube_apply, kube_delete
from tests.support.objects import config_map
from tests.support.projects import DeployProject


@pytest.fixture
def project(project: DeployProject) -> DeployProject:
    project.app("web", [config_map("settings", color="blue"), config_map("extra")])
    project.deploy()
    return project


def run(project: DeployProject, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["status", *args, "-C", str(project.root)])
    return result.exit_code, result.output


def test_no_drift_right_after_a_deploy(project: DeployProject) -> None:
    assert run(project) == (0, "prod: no drift (1 app)\n")


def test_changed_by_another_manager_and_missing_is_drift(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    changed = config_map("settings", namespace="shop", color="red")
    kube_apply(fake_kube.kubeconfig_path, changed, manager="kubectl-edit")
    kube_delete(fake_kube.kubeconfig_path, "v1", "ConfigMap", "shop", "extra")

    code, output = run(project)

    assert code == 2, output
    assert output.splitlines()[0] == "prod: DRIFT"
    assert "web: missing ConfigMap shop/extra" in output
    assert (
        "web: modified ConfigMap shop/settings: data.color: 'blue' -> 'red' by kubectl-edit"
        in output
    )
    code, output = run(project, "--format", "json")
    assert code == 2
    [report] = json.loads(output)
    assert report["has_drift"] is True


def test_a_colour_terminal_shows_drift_red_and_a_clean_cluster_green(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    clean = CliRunner().invoke(cli, ["--color", "always", "status", "-C", str(project.root)])
    assert clean.output == click.style("prod: no drift (1 app)", fg="green") + "\n"
    kube_delete(fake_kube.kubeconfig_path, "v1", "ConfigMap", "shop", "extra")

    result = CliRunner().invoke(cli, ["--color", "always", "status", "-C", str(project.root)])

    lines = result.output.splitlines()
    assert lines[0] == click.style("prod: DRIFT", fg="red")
    assert lines[1] == click.style("  web: missing ConfigMap shop/extra", fg="red")
    assert lines[2].startswith("  fix: `sbkube-ci deploy --force")  # advice stays plain
    plain = CliRunner().invoke(cli, ["--color", "never", "status", "-C", str(project.root)])
    assert "\x1b[" not in plain.output


def test_colour_follows_the_finding_not_the_app_name(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("fix", [config_map("other")])
    report, _ = project.deploy()
    assert report.exit_code == 0, report.text()
    kube_delete(fake_kube.kubeconfig_path, "v1", "ConfigMap", "shop", "other")

    result = CliRunner().invoke(cli, ["--color", "always", "status", "-C", str(project.root)])

    lines = result.output.splitlines()
    assert lines[1] == click.style("  fix: missing ConfigMap shop/other", fg="red")
    assert lines[2] == (  # the advice stays plain
        "  fix: `sbkube-ci deploy --force --cluster prod --app fix` re-applies what was "
        "deployed (or change sbkube.yaml to match the cluster and deploy)"
    )


def test_a_throttling_api_server_is_waited_for_and_said(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    fake_kube.throttle(1, retry_after="0")

    result = CliRunner().invoke(cli, ["status", "-C", str(project.root)])

    assert result.exit_code == 0, result.output
    assert result.stdout == "prod: no drift (1 app)\n"
    server = f"API server 127.0.0.1:{fake_kube.server.port}"
    assert result.stderr.startswith(f"{server}: HTTP 429 on GET "), result.stderr
    assert result.stderr.endswith(": retry 1 in 0s\n")


def test_drift_is_notified(
    project: DeployProject,
    fake_kube: FakeKube,
    webhook: HTTPServer,
) -> None:
    project.notify_webhook()
    project.write()
    assert run(project)[0] == 0
    assert webhook.log == []
    kube_delete(fake_kube.kubeconfig_path, "v1", "ConfigMap", "shop", "extra")

    code, _ = run(project)

    assert code == 2
    [(request, _)] = webhook.log
    sent = json.loads(request.get_data())
    assert sent["event"] == "drift_detected"
    assert [(a["name"], a["cluster"]) for a in sent["apps"]] == [("web", "prod")]
    assert "web: missing ConfigMap shop/extra" in sent["detail"]
