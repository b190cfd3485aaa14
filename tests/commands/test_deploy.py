"""``sbkube-ci deploy`` against the fake API server with a local state directory."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from sbkube_ci.cli import cli
from sbkube_ci.commands.ci import COMMANDS
from sbkube_ci.commands.deploy import DeployReport, deploy_for_ci
from sbkube_ci.commands.status import status_for_ci
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map, deployment, service
from tests.support.projects import DeployProject, deploy_project


def test_deploy_in_dag_order_records_state_snapshot_and_history(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("base", [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}])
    project.app("config", [config_map("settings", color="blue")], depends_on=["base"])
    project.app("web", [deployment("web", replicas=1)], depends_on=["config"])

    report, lines = project.deploy()

    assert report.exit_code == 0, report.text()
    assert [(r.app, r.action, r.result) for r in report.results] == [
        ("base", "create", "succeeded"),
        ("config", "create", "succeeded"),
        ("web", "create", "succeeded"),
    ]
    starts = [line.split(":")[0] for line in lines if line.endswith("...")]
    assert starts == ["prod/base", "prod/config", "prod/web"]
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "blue"}
    backend = project.backend()
    state = backend.read_state("prod")
    assert state.revision == 3
    web = state.apps["web"]
    assert web.revision == 1
    assert [(r.kind, r.namespace, r.name) for r in web.inventory] == [("Deployment", "shop", "web")]
    assert "kind: Deployment" in backend.load_snapshot("prod", web.snapshot)
    [record] = backend.list_history(cluster="prod")
    assert record.kind == "deploy"
    assert record.result == "succeeded"
    assert [(c.app, c.old_revision, c.new_revision) for c in record.apps] == [
        ("base", None, 1), ("config", None, 1), ("web", None, 1),
    ]  # fmt: skip
    assert web.deployment_id == record.id
    assert backend.lock_status("prod") is None


def test_second_deploy_without_changes_skips_everything(project: DeployProject) -> None:
    project.app("config", [config_map("settings", color="blue")])
    first, _ = project.deploy()
    assert first.exit_code == 0, first.text()

    report, lines = project.deploy()

    assert report.exit_code == 0
    assert report.results == []
    assert lines == []
    assert "nothing to deploy" in report.text()
    assert project.backend().read_state("prod").revision == 1


def test_a_change_prunes_the_removed_object(project: DeployProject, fake_kube: FakeKube) -> None:
    project.app("config", [config_map("settings", color="blue"), config_map("old")])
    project.deploy()
    project.app("config", [config_map("settings", color="green")])

    report, _ = project.deploy()

    assert [(r.app, r.action, r.result) for r in report.results] == [
        ("config", "update", "succeeded")
    ]
    assert fake_kube.get("ConfigMap", "shop", "old") is None
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "green"}
    app = project.backend().read_state("prod").apps["config"]
    assert app.revision == 2
    assert [r.name for r in app.inventory] == ["settings"]
    [latest, _first] = project.backend().list_history(cluster="prod")
    assert [(c.app, c.old_revision, c.new_revision) for c in latest.apps] == [("config", 1, 2)]


def test_lock_held_by_another_owner_fails_naming_the_holder(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("config", [config_map("settings")])
    with project.lock_held_by("bob"):
        report, _ = project.deploy()

    assert report.exit_code == 1
    [result] = report.results
    assert result.result == "failed"
    assert "cluster prod is locked by bob" in result.detail
    assert fake_kube.get("ConfigMap", "shop", "settings") is None
    assert project.backend().read_state("prod").revision == 0


def _deploy_after_a_failing_first_app(
    project: DeployProject, fake_kube: FakeKube, **settings: Any
) -> DeployReport:
    """One worker deploys a-web first, which fails (services are forbidden), then b-config,
    which does not need it, and c-after, which depends on it."""
    project.settings.update(max_workers=1, **settings)
    project.app("a-web", [service("web")])
    project.app("b-config", [config_map("settings")])
    project.app("c-after", [config_map("after")], depends_on=["a-web"])
    fake_kube.forbid("patch", "services")
    report, _ = project.deploy()
    return report


def test_stop_policy_starts_nothing_after_a_failure(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    report = _deploy_after_a_failing_first_app(project, fake_kube)  # stop: the default

    assert report.exit_code == 1
    outcome = {r.app: (r.result, r.detail) for r in report.results}
    assert outcome["a-web"][0] == "failed"
    assert "forbidden" in outcome["a-web"][1].lower()
    assert "services" in outcome["a-web"][1]
    assert outcome["b-config"] == ("skipped", "not started: the run was stopped")
    assert outcome["c-after"][0] == "skipped"
    state = project.backend().read_state("prod")
    assert state.apps == {}
    [record] = project.backend().list_history(cluster="prod")
    assert record.result == "failed"
    assert project.backend().lock_status("prod") is None


def test_continue_policy_deploys_the_independent_rest(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    report = _deploy_after_a_failing_first_app(project, fake_kube, on_failure="continue")

    assert report.exit_code == 1
    outcome = {r.app: r.result for r in report.results}
    assert outcome == {"a-web": "failed", "b-config": "succeeded", "c-after": "skipped"}
    assert sorted(project.backend().read_state("prod").apps) == ["b-config"]
    lines = report.text().splitlines()
    assert any(line.startswith("prod: FAILED") for line in lines)


def test_rollback_policy_reapplies_the_previous_snapshot(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.settings["on_failure"] = "rollback"
    project.app("web", [config_map("settings", color="blue")])
    project.deploy()
    project.app("web", [config_map("settings", color="green"), service("web")])
    fake_kube.forbid("patch", "services")

    report, _ = project.deploy()

    assert report.exit_code == 1
    [result] = report.results
    assert result.result == "rolled back"
    assert "rolled back to r1" in result.detail
    assert fake_kube.require("ConfigMap", "shop", "settings")["data"] == {"color": "blue"}
    assert project.backend().read_state("prod").apps["web"].revision == 1


def test_dry_run_takes_the_lock_but_writes_nothing(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("config", [config_map("settings")])

    report, _ = project.deploy(dry_run=True)

    assert report.exit_code == 0
    assert [r.result for r in report.results] == ["dry run"]
    assert fake_kube.get("ConfigMap", "shop", "settings") is None
    backend = project.backend()
    assert backend.read_state("prod").revision == 0
    assert backend.list_history() == []
    assert (project.root / ".sbkube/state/prod/lock.json").is_file()


def test_unreachable_server_is_one_line_and_the_lock_is_released(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("config", [config_map("settings")])
    fake_kube.stop()

    report, _ = project.deploy()

    assert report.exit_code == 1
    [result] = report.results
    assert "\n" not in result.detail
    assert "127.0.0.1" in result.detail
    assert project.backend().lock_status("prod") is None
    assert project.backend().read_state("prod").revision == 0


def test_notifications_start_then_end_with_the_masked_failure(
    project: DeployProject, webhook: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "hunter2-very-secret")
    project.notify_webhook()
    project.extra["diff"] = {"mask_env": ["DB_PASSWORD"]}
    project.app("config", [config_map("settings")])
    project.apps["migrate"] = {
        "type": "exec",
        "depends_on": ["config"],
        "commands": ["echo cannot log in with $DB_PASSWORD >&2; exit 3"],
    }

    report, _ = project.deploy()

    assert report.exit_code == 1
    sent = [json.loads(request.get_data()) for request, _ in webhook.log]
    assert [s["event"] for s in sent] == ["deploy_started", "deploy_failed"]
    assert sent[0]["totals"] == {"added": 1, "changed": 0, "deleted": 0}  # from the plan
    assert [(a["name"], a["new_revision"]) for a in sent[1]["apps"]] == [
        ("config", "r1"),
        ("migrate", None),
    ]
    assert sent[1]["failure"]["app"] == "migrate"
    assert "cannot log in with ***" in sent[1]["failure"]["error"]
    assert "hunter2" not in json.dumps(sent)
    assert "hunter2" not in report.text()


def test_an_app_removed_from_the_config_is_pruned_and_dropped(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("config", [config_map("settings")])
    project.app("old", [config_map("legacy")])
    project.deploy()
    del project.apps["old"]

    report, _ = project.deploy()

    assert [(r.app, r.action, r.result) for r in report.results] == [("old", "delete", "succeeded")]
    assert fake_kube.get("ConfigMap", "shop", "legacy") is None
    backend = project.backend()
    assert sorted(backend.read_state("prod").apps) == ["config"]
    changes = backend.list_history(cluster="prod")[0].apps
    assert [(c.app, c.old_revision, c.new_revision) for c in changes] == [("old", 1, None)]


def cli_deploy(project: DeployProject, *args: str) -> tuple[int, str, str]:
    project.write()
    result = CliRunner().invoke(cli, ["deploy", *args, "-C", str(project.root)])
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_the_summary_table_and_json(project: DeployProject) -> None:
    project.app("config", [config_map("settings")])

    code, stdout, stderr = cli_deploy(project, "--dry-run")

    assert code == 0, stderr
    assert stdout.splitlines()[0].split() == [
        "CLUSTER", "APP", "ACTION", "RESULT", "DURATION", "DETAIL",
    ]  # fmt: skip
    assert stdout.splitlines()[1].split()[:5] == ["prod", "config", "create", "dry", "run"]
    assert "prod/config: create (apply) ..." in stderr
    code, stdout, _ = cli_deploy(project, "--format", "json")
    assert code == 0
    data = json.loads(stdout)
    assert data["exit_code"] == 0
    assert [(a["app"], a["result"], a["new_revision"]) for a in data["apps"]] == [
        ("config", "succeeded", 1)
    ]


def test_cli_refused_plan_is_one_error_line(project: DeployProject) -> None:
    project.app("config", [config_map("settings")])
    plan = project.root / "plan.json"
    plan.write_text(
        json.dumps({"schema_version": 1, "clusters": [{"name": "prod", "state_revision": "3"}]})
    )

    code, _, stderr = cli_deploy(project, "--plan", str(plan))

    assert code == 1
    assert stderr.strip().splitlines() == [
        "error: cluster prod: the plan was made against state r3 but the state is now r0 "
        "(deployed since); plan again and review"
    ]


def test_ci_entrypoint_can_run_deploy_and_status() -> None:
    assert COMMANDS["deploy"] is deploy_for_ci
    assert COMMANDS["status"] is status_for_ci


def test_taking_over_an_expired_lock_is_notified(
    project: DeployProject, webhook: HTTPServer
) -> None:
    project.notify_webhook()
    project.app("config", [config_map("settings")])
    project.backend(actor="bob").acquire_lock("prod", lease=0.01)  # bob's job died
    time.sleep(0.05)

    report, lines = project.deploy()

    assert report.exit_code == 0, report.text()
    assert "prod: took over the lock of bob (pid 1): its lease had expired" in lines
    sent = [json.loads(request.get_data()) for request, _ in webhook.log]
    assert [s["event"] for s in sent] == ["deploy_started", "lock_taken_over", "deploy_succeeded"]
    assert sent[1]["detail"] == "the lease of bob (pid 1) had expired"
    assert [r.kind for r in project.backend().list_history(cluster="prod")] == [
        "deploy", "lock_takeover",
    ]  # fmt: skip


# -- clusters.<cluster>.apps.<app> ----------------------------------------------------------------
# ``deploy`` honours clusters.<cluster>.apps.<app>: enabled and namespace on one cluster.


@pytest.fixture
def shop_prod_project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    return deploy_project(tmp_path, fake_kube, namespaces=("shop", "shop-prod"))


def test_disabling_an_app_on_a_cluster_prunes_it_there(
    shop_prod_project: DeployProject, fake_kube: FakeKube
) -> None:
    shop_prod_project.app("config", [config_map("settings")])
    shop_prod_project.app("extra", [config_map("extra")])
    shop_prod_project.deploy()
    assert fake_kube.get("ConfigMap", "shop", "extra") is not None

    shop_prod_project.cluster_fields["prod"] = {"apps": {"extra": {"enabled": False}}}
    report, _ = shop_prod_project.deploy()

    assert [(r.app, r.action, r.result) for r in report.results] == [
        ("extra", "delete", "succeeded")
    ]
    assert fake_kube.get("ConfigMap", "shop", "extra") is None
    assert sorted(shop_prod_project.backend().read_state("prod").apps) == ["config"]


def test_an_app_enabled_on_one_cluster_only_deploys_there_in_its_namespace(
    shop_prod_project: DeployProject, fake_kube: FakeKube
) -> None:
    shop_prod_project.app("config", [config_map("settings")], enabled=False)
    shop_prod_project.cluster_fields["prod"] = {
        "apps": {"config": {"enabled": True, "namespace": "shop-prod"}}
    }

    report, _ = shop_prod_project.deploy()

    assert [(r.app, r.action, r.result) for r in report.results] == [
        ("config", "create", "succeeded")
    ]
    assert fake_kube.get("ConfigMap", "shop-prod", "settings") is not None
    assert fake_kube.get("ConfigMap", "shop", "settings") is None


def test_an_exec_app_disabled_on_a_cluster_does_not_run_there(
    shop_prod_project: DeployProject, fake_kube: FakeKube
) -> None:
    # a second cluster, same server
    shop_prod_project.kubeconfigs["staging"] = fake_kube.kubeconfig_path
    shop_prod_project.apps["hello"] = {"type": "exec", "commands": ["true"]}
    shop_prod_project.cluster_fields["prod"] = {"apps": {"hello": {"enabled": False}}}

    report, _ = shop_prod_project.deploy()

    assert report.exit_code == 0, report.text()
    assert [(r.cluster, r.app, r.result) for r in report.results] == [
        ("staging", "hello", "succeeded")
    ]
