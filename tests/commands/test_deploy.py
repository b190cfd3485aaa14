"""``sbkube-ci deploy`` against the fake API server with a local state directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.project import DeployProject, config_map, deployment
from tests.fakekube.fixture import FakeKube


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    fake_kube.auto_ready()
    root = tmp_path / "repo"
    root.mkdir()
    return DeployProject(root, {"prod": fake_kube.kubeconfig_path})


def test_deploy_in_dag_order_records_state_snapshot_and_history(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.app("base", [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}])
    project.app("config", [config_map("settings", color="blue")], depends_on=["base"])
    project.app("web", [deployment("web")], depends_on=["config"])

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
