"""``plan --live`` when the cluster cannot be reached: one clear error per app, not a crash."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci.planning.engine import make_plan
from tests.fakekube.fixture import FakeKube
from tests.support.objects import config_map
from tests.support.projects import DeployProject


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


def test_live_plan_after_a_deploy_with_hooks_and_a_created_namespace_is_quiet(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    fake_kube.auto_ready()
    project = DeployProject(tmp_path, {"prod": fake_kube.kubeconfig_path})
    project.settings["namespace"] = "fresh"  # created by the deploy, recorded in the inventory
    hook = config_map("seed", step="1")
    hook["metadata"]["annotations"] = {
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-delete-policy": "hook-succeeded",
    }
    project.app("api", [config_map("api"), hook])
    assert project.deploy()[0].exit_code == 0
    assert fake_kube.get("ConfigMap", "fresh", "seed") is None  # ran and went

    quiet = make_plan(project.load(), live=True)

    assert quiet.plan.exit_code() == 0, quiet.plan.to_json()
    hook["data"] = {"step": "2"}
    project.app("api", [config_map("api"), hook])
    changed = make_plan(project.load(), live=True).plan.cluster("prod").apps[0]
    assert [(o.kind, o.name, o.action) for o in changed.objects if o.action != "unchanged"] == [
        ("ConfigMap", "seed", "create")  # the changed hook runs again
    ]
