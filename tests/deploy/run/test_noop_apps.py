"""Noop apps deploy nothing but still order the apps around them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from sbkube_ci.config.loader import load_project
from sbkube_ci.deploy.run.jobs import depends_on, mode_of
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import kube_apply
from tests.support.objects import config_map, namespace
from tests.support.projects import DeployProject

KUBECTL = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")


def _chain(root: Path, fake_kube: FakeKube) -> DeployProject:
    project = DeployProject(root, {"prod": fake_kube.kubeconfig_path})
    # base is slow to start; top must still see its ConfigMap, through the noop anchor
    project.app("base", [config_map("base-settings")], hooks={"pre_deploy": ["sleep 1"]})
    project.apps["anchor"] = {"type": "noop", "depends_on": ["base"], "description": "x"}
    project.apps["top"] = {
        "type": "exec",
        "depends_on": ["anchor"],
        "commands": [f"{KUBECTL} get configmap base-settings -n shop -o name > top.out"],
    }
    return project


def test_depends_on_through_a_noop_waits_for_what_the_noop_depends_on(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    fake_kube.auto_ready()
    kube_apply(fake_kube.kubeconfig_path, namespace("shop"))
    project = _chain(tmp_path, fake_kube)

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    assert (tmp_path / "top.out").read_text().strip() == "configmap/base-settings"
    assert sorted(r.app for r in report.results) == ["base", "top"]  # the noop is not deployed
    assert "anchor" not in project.backend().read_state("prod").apps


def test_noop_chains_resolve_to_deployable_apps(tmp_path: Path, fake_kube: FakeKube) -> None:
    project = _chain(tmp_path, fake_kube)
    project.apps["outer"] = {"type": "noop", "depends_on": ["anchor", "top"]}
    project.apps["last"] = {"type": "exec", "depends_on": ["outer"], "commands": ["true"]}
    project.write()
    apps = load_project(tmp_path).config.apps

    assert mode_of(apps["anchor"]) is None
    assert depends_on(load_project(tmp_path), apps["last"]) == ("top", "base")
