"""Action apps: apply and delete of manifest files, in order, only when their input changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sbkube_ci.config import Project
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.errors import ConfigProblems
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import kube_apply
from tests.support.objects import config_map
from tests.support.projects import DeployProject


def _live(kubeconfig: Path, name: str) -> dict[str, object] | None:
    with KubeClient.from_kubeconfig(kubeconfig, None) as client:
        resource = client.resource("v1", "ConfigMap")
        try:
            found: dict[str, object] = resource.get(name=name, namespace="shop").to_dict()
        except Exception:  # NotFoundError; the test only asks whether it exists
            return None
        return found


@pytest.fixture
def project(project: DeployProject, fake_kube: FakeKube) -> DeployProject:
    kube_apply(
        fake_kube.kubeconfig_path,
        config_map("legacy", namespace="shop"),
    )
    root = project.root
    (root / "actions" / "setup").mkdir(parents=True)
    (root / "actions" / "setup" / "a.yaml").write_text(
        yaml.safe_dump_all([config_map("first", x="1"), config_map("second")])
    )
    (root / "actions" / "setup" / "ignored.txt").write_text("not a manifest")
    (root / "actions" / "old.yml").write_text(
        yaml.safe_dump_all([config_map("legacy"), config_map("never-existed")])
    )
    project.apps["setup"] = {
        "type": "action",
        "actions": [
            {"type": "apply", "path": "actions/setup"},
            {"type": "delete", "path": "actions/old.yml"},
        ],
    }
    return project


def test_action_app_applies_then_deletes_in_order_and_records_inventory(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    first = _live(fake_kube.kubeconfig_path, "first")
    assert first is not None
    assert first["data"] == {"x": "1"}
    assert first["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "sbkube-ci"  # type: ignore[index]
    assert _live(fake_kube.kubeconfig_path, "legacy") is None
    state = project.backend().read_state("prod").apps["setup"]
    assert sorted(ref.name for ref in state.inventory) == ["first", "second"]
    assert state.input_digest.startswith("sha256:")


def test_action_app_runs_again_only_when_a_file_changes(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    project.deploy()
    kube_apply(
        fake_kube.kubeconfig_path,
        config_map("legacy", namespace="shop"),
    )

    report, _ = project.deploy()

    assert report.results == []
    assert _live(fake_kube.kubeconfig_path, "legacy") is not None  # not deleted again

    (project.root / "actions" / "setup" / "a.yaml").write_text(
        yaml.safe_dump_all([config_map("first", x="2")])
    )
    report, _ = project.deploy()

    assert [r.app for r in report.results] == ["setup"]
    first = _live(fake_kube.kubeconfig_path, "first")
    assert first is not None
    assert first["data"] == {"x": "2"}
    assert _live(fake_kube.kubeconfig_path, "legacy") is None


def test_action_dry_run_deletes_nothing(project: DeployProject, fake_kube: FakeKube) -> None:
    report, lines = project.deploy(dry_run=True)

    assert report.exit_code == 0, report.text()
    assert _live(fake_kube.kubeconfig_path, "first") is None
    assert _live(fake_kube.kubeconfig_path, "legacy") is not None
    assert any("would delete ConfigMap shop/legacy" in line for line in lines)


def test_action_path_outside_the_project_fails_in_one_line(project: DeployProject) -> None:
    (project.root.parent / "elsewhere.yaml").write_text(yaml.safe_dump(config_map("x")))
    project.apps["setup"]["actions"] = [{"type": "apply", "path": "../elsewhere.yaml"}]

    with pytest.raises(ConfigProblems) as refused:  # validate refuses it before any deploy
        project.deploy()
    [line] = refused.value.problems
    assert "apps.setup.actions[0].path: ../elsewhere.yaml is outside the project" in line

    loaded = project.load  # a path changed after validation is refused again by the deploy
    project.apps["setup"]["actions"] = [{"type": "apply", "path": "actions/setup"}]

    def changed() -> Project:
        result = loaded()
        result.config.apps["setup"].actions[0].path = "../elsewhere.yaml"
        return result

    project.load = changed  # type: ignore[method-assign]
    report, _ = project.deploy()
    [setup] = report.results
    assert setup.result == "failed"
    assert "path ../elsewhere.yaml is outside the project" in setup.detail
