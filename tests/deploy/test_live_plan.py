"""``plan --live`` when the cluster cannot be reached: one clear error per app, not a crash."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci.commands.plan import make_plan
from tests.deploy.project import DeployProject, config_map
from tests.fakekube.fixture import FakeKube


def test_live_plan_says_per_app_when_the_cluster_cannot_be_reached(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    project = DeployProject(tmp_path, {"prod": fake_kube.kubeconfig_path})
    project.app("api", [config_map("api")])
    project.app("web", [config_map("web")])
    fake_kube.stop()

    outcome = make_plan(project.load(), live=True)

    apps = outcome.plan.cluster("prod").apps
    assert [a.name for a in apps] == ["api", "web"]
    for app in apps:
        assert app.error is not None
        assert app.error.startswith(f"live plan of app {app.name} on cluster prod failed: ")
        assert "cannot reach the Kubernetes API server" in app.error
        assert app.error.endswith("plan without --live to diff against the recorded state")
    assert outcome.plan.exit_code() == 1
