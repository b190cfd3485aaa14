"""Deploys as a user runs them, on a real API server: a fresh namespace, charts with hook
ServiceAccounts, redeploy, rollback, status, drift repaired by ``--force``, a helm release's
live plan and a switch between ``deploy_mode: helm`` and ``apply``.

The chart is the cert-manager shape of tests/data/charts: its post-install ``startupapicheck``
Job runs as a hook ServiceAccount bound by a hook Role and RoleBinding (weight -5,
``before-hook-creation,hook-succeeded``). The API server's ServiceAccount admission refuses the
Job's pod when that account is gone, so a hook deleted too early fails the deploy here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sbkube_ci import _proc
from sbkube_ci.cli import cli
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.live import LiveObjects
from tests.e2e.conftest import delete_and_wait, unique
from tests.support.cluster import kube_apply
from tests.support.projects import DeployProject, copy_chart

pytestmark = pytest.mark.cluster


@pytest.fixture
def fresh_namespace(kube: KubeClient) -> Iterator[str]:
    """A namespace name that does not exist yet; deleted after the test if it was created."""
    name = unique("sbkube-fresh")
    yield name
    resource = kube.resource("v1", "Namespace")
    if LiveObjects(kube).get(_ns_ref(name), resource) is not None:
        resource.delete(name=name, propagation_policy="Background")


def _ns_ref(name: str) -> Any:
    from sbkube_ci.k8s import ObjectRef  # noqa: PLC0415

    return ObjectRef("v1", "Namespace", None, name)


@pytest.fixture
def certs(
    tmp_path: Path, e2e_kubeconfig: Path, fresh_namespace: str
) -> Callable[[str], DeployProject]:
    """``certs(mode)``: a project of cluster ``e2e`` whose app ``certs`` is the cert-manager
    chart in ``fresh_namespace``, with ``deploy_mode: mode``."""

    def make(mode: str) -> DeployProject:
        project = DeployProject(tmp_path, {"e2e": e2e_kubeconfig})
        project.settings["namespace"] = fresh_namespace
        project.settings["timeout"] = "120s"
        project.apps["certs"] = {
            "type": "helm",
            "chart": copy_chart("cert-manager", tmp_path),
            "deploy_mode": mode,
            "set_values": {"crds": {"enabled": False}, "clusterIssuer": {"enabled": False}},
        }
        return project

    return make


def _get(kube: KubeClient, api_version: str, kind: str, namespace: str, name: str) -> Any:
    from sbkube_ci.k8s import ObjectRef  # noqa: PLC0415

    resource = kube.resource(api_version, kind)
    return LiveObjects(kube).get(ObjectRef(api_version, kind, namespace, name), resource)


def _cli(project: DeployProject, *args: str) -> tuple[int, str]:
    project.write()
    result = CliRunner().invoke(cli, [*args, "-C", str(project.root)])
    return result.exit_code, result.output


@pytest.mark.parametrize("mode", ["apply", "helm"])
def test_fresh_namespace_deploy_with_hook_accounts_redeploy_status_and_rollback(
    mode: str, kube: KubeClient, fresh_namespace: str, certs: Callable[[str], DeployProject]
) -> None:
    project = certs(mode)

    code, output = _cli(project, "deploy")

    assert code == 0, output
    assert _get(kube, "v1", "Namespace", "", fresh_namespace) is not None
    assert _get(kube, "apps/v1", "Deployment", fresh_namespace, "certs") is not None
    # hook-succeeded removed every hook once the whole post-install event succeeded
    assert _get(kube, "batch/v1", "Job", fresh_namespace, "certs-startupapicheck") is None
    account = _get(kube, "v1", "ServiceAccount", fresh_namespace, "certs-startupapicheck")
    assert account is None
    state = project.backend().read_state("e2e").apps["certs"]
    assert ("Namespace", fresh_namespace) in {(r.kind, r.name) for r in state.inventory}

    project.apps["certs"]["set_values"]["image"] = "quay.io/jetstack/cert-manager-controller:v2"
    code, output = _cli(project, "deploy")
    assert code == 0, output
    assert _container_image(kube, fresh_namespace).endswith(":v2")

    code, output = _cli(project, "status")
    assert code == 0, output
    assert "no drift" in output

    code, output = _cli(project, "rollback", "certs")
    assert code == 0, output
    assert _container_image(kube, fresh_namespace).endswith(":v1.16.1")
    code, output = _cli(project, "status", "--format", "json")
    assert code == 0, output
    assert json.loads(output)[0]["has_drift"] is False


@pytest.mark.parametrize("mode", ["apply", "helm"])
def test_drift_is_reported_with_its_fix_and_repaired_by_force(
    mode: str,
    kube: KubeClient,
    fresh_namespace: str,
    e2e_kubeconfig: Path,
    certs: Callable[[str], DeployProject],
) -> None:
    project = certs(mode)
    code, output = _cli(project, "deploy")
    assert code == 0, output
    edited = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "certs", "namespace": fresh_namespace},
        "spec": {"template": {"spec": {"containers": [{"name": "cert-manager-controller",
                                                       "image": "example.com/hotfix:1"}]}}},
    }  # fmt: skip
    kube_apply(e2e_kubeconfig, edited, manager="kubectl-edit")
    kube.resource("v1", "ServiceAccount").delete(name="certs", namespace=fresh_namespace)

    code, output = _cli(project, "status")
    assert code == 2, output
    assert "missing ServiceAccount" in output
    assert "example.com/hotfix:1" in output
    assert "fix: `sbkube-ci deploy --force --cluster e2e --app certs`" in output
    code, output = _cli(project, "deploy")  # the render did not change: nothing to do
    assert code == 0, output
    assert _container_image(kube, fresh_namespace) == "example.com/hotfix:1"

    code, output = _cli(project, "deploy", "--force")

    assert code == 0, output
    assert _container_image(kube, fresh_namespace).endswith("cert-manager-controller:v1.16.1")
    assert _get(kube, "v1", "ServiceAccount", fresh_namespace, "certs") is not None
    code, output = _cli(project, "status")
    assert code == 0, output


def _container_image(kube: KubeClient, namespace: str) -> str:
    live = _get(kube, "apps/v1", "Deployment", namespace, "certs")
    return str(live["spec"]["template"]["spec"]["containers"][0]["image"])


def _helm_history(kubeconfig: Path, namespace: str) -> list[Any]:
    argv = ["helm", "history", "certs", "-n", namespace, "-o", "json", "--kubeconfig"]
    result = _proc.run([*argv, str(kubeconfig)], timeout=60, ok_codes=range(256))
    return json.loads(result.stdout) if result.returncode == 0 else []


def test_switching_deploy_mode_adopts_the_live_objects(
    kube: KubeClient,
    fresh_namespace: str,
    e2e_kubeconfig: Path,
    certs: Callable[[str], DeployProject],
) -> None:
    project = certs("helm")
    code, output = _cli(project, "deploy")
    assert code == 0, output
    uid = _get(kube, "apps/v1", "Deployment", fresh_namespace, "certs")["metadata"]["uid"]
    assert len(_helm_history(e2e_kubeconfig, fresh_namespace)) == 1

    project.apps["certs"]["deploy_mode"] = "apply"
    code, output = _cli(project, "plan")
    assert code == 2, output
    assert "deploy_mode helm -> apply" in output
    code, output = _cli(project, "deploy")

    assert code == 0, output
    live = _get(kube, "apps/v1", "Deployment", fresh_namespace, "certs")
    assert live["metadata"]["uid"] == uid  # adopted, not recreated
    assert live["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "sbkube-ci"
    assert _helm_history(e2e_kubeconfig, fresh_namespace) == []  # helm lets go of them
    assert _cli(project, "status")[0] == 0

    project.apps["certs"]["deploy_mode"] = "helm"
    code, output = _cli(project, "plan", "--live", "--format", "json")
    assert code == 2, output  # the mode switch is an update; helm's dry run is not asked
    [app] = json.loads(output)["clusters"][0]["apps"]
    assert (app["action"], app["error"]) == ("update", None)
    code, output = _cli(project, "deploy")

    assert code == 0, output
    live = _get(kube, "apps/v1", "Deployment", fresh_namespace, "certs")
    assert live["metadata"]["uid"] == uid
    assert live["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert live["metadata"]["annotations"]["meta.helm.sh/release-name"] == "certs"
    assert [entry["status"] for entry in _helm_history(e2e_kubeconfig, fresh_namespace)] == [
        "deployed"
    ]
    code, output = _cli(project, "status")
    assert code == 0, output


def test_live_plan_of_a_helm_release_diffs_as_helm_would_upgrade(
    certs: Callable[[str], DeployProject],
) -> None:
    project = certs("helm")
    code, output = _cli(project, "plan", "--live")  # nothing installed, no namespace yet
    assert code == 2, output
    code, output = _cli(project, "deploy")
    assert code == 0, output

    code, output = _cli(project, "plan", "--live", "--format", "json")

    assert code == 0, output  # the release's manifest is what an upgrade would install
    project.apps["certs"]["set_values"]["image"] = "quay.io/jetstack/cert-manager-controller:v2"
    code, output = _cli(project, "plan", "--live", "--format", "json")
    assert code == 2, output
    [app] = json.loads(output)["clusters"][0]["apps"]
    assert app["error"] is None  # no field-manager conflict with helm
    [change] = [o for o in app["objects"] if o["action"] != "unchanged"]
    assert (change["kind"], change["name"], change["action"]) == ("Deployment", "certs", "update")
    assert "+        image: quay.io/jetstack/cert-manager-controller:v2" in change["diff"]


def test_ingress_nginx_admission_hooks_in_apply_mode_then_removal(
    kube: KubeClient, fresh_namespace: str, e2e_kubeconfig: Path, tmp_path: Path
) -> None:
    project = DeployProject(tmp_path, {"e2e": e2e_kubeconfig})
    project.settings["namespace"] = fresh_namespace
    release = unique("nginx")
    project.apps["ingress"] = {
        "type": "helm",
        "chart": copy_chart("ingress-nginx", tmp_path),
        "deploy_mode": "apply",
        "release_name": release,
        "timeout": "120s",
    }
    project.apps["keep"] = {"type": "yaml", "manifests": ["keep.yaml"]}
    (tmp_path / "keep.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n")

    for _ in range(2):  # install, then upgrade: pre- and post- hooks of both events
        code, output = _cli(project, "deploy", "--force")
        assert code == 0, output
    admission = f"{release}-ingress-nginx-admission"
    assert _get(kube, "v1", "ServiceAccount", fresh_namespace, admission) is None
    webhook = _get(kube, "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration",
                   "", admission)  # fmt: skip
    assert webhook is not None

    del project.apps["ingress"]
    code, output = _cli(project, "deploy")

    assert code == 0, output
    assert _get(kube, "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration",
                "", admission) is None  # fmt: skip
    assert _get(kube, "networking.k8s.io/v1", "IngressClass", "", f"{release}-nginx") is None
    assert _get(kube, "v1", "ConfigMap", fresh_namespace, "keep") is not None  # namespace kept


KPS_CRDS = ("alertmanagerconfigs.monitoring.coreos.com", "prometheuses.monitoring.coreos.com")


@pytest.fixture
def no_kps_crds(kube: KubeClient) -> Iterator[None]:
    """The monitoring.coreos.com CRDs are cluster-wide: removed after the test, whatever happens."""
    yield
    from sbkube_ci.k8s import ObjectRef  # noqa: PLC0415

    for name in KPS_CRDS:
        ref = ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, name)
        if _get(kube, ref.api_version, ref.kind, "", name) is not None:
            delete_and_wait(kube, ref)


def test_kube_prometheus_stack_crds_with_the_value_type_and_a_huge_crd(
    kube: KubeClient,
    fresh_namespace: str,
    e2e_kubeconfig: Path,
    tmp_path: Path,
    no_kps_crds: None,
) -> None:
    project = DeployProject(tmp_path, {"e2e": e2e_kubeconfig})
    project.settings["namespace"] = fresh_namespace
    project.apps["monitoring"] = {
        "type": "helm",
        "chart": copy_chart("kube-prometheus-stack", tmp_path),
        "deploy_mode": "apply",
        "timeout": "120s",
    }

    code, output = _cli(project, "deploy")

    assert code == 0, output
    config = _get(kube, "monitoring.coreos.com/v1alpha1", "AlertmanagerConfig", fresh_namespace,
                  "monitoring-default")  # fmt: skip
    assert config["spec"]["route"]["matchers"][0]["matchType"] == "="
    huge = _get(kube, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "", KPS_CRDS[1])
    schema = huge["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert len(schema["properties"]["spec"]["properties"]) == 1000
    assert _cli(project, "status")[0] == 0
    code, output = _cli(project, "plan", "--live")
    assert code == 0, output


def test_dry_run_and_live_plan_understand_a_namespace_another_app_creates(
    kube: KubeClient, fresh_namespace: str, certs: Callable[[str], DeployProject]
) -> None:
    project = certs("helm")
    project.apps["certs"]["depends_on"] = ["base"]
    project.app("base", [{"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": fresh_namespace}}])  # fmt: skip
    project.app("api", [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "api"}}],
                depends_on=["base"])  # fmt: skip

    code, output = _cli(project, "deploy", "--dry-run")

    assert code == 0, output
    assert _get(kube, "v1", "Namespace", "", fresh_namespace) is None
    code, output = _cli(project, "plan", "--live", "--format", "json")
    assert code == 2, output
    apps = json.loads(output)["clusters"][0]["apps"]
    assert [(a["name"], a["action"], a["error"]) for a in apps] == [
        ("api", "create", None),
        ("base", "create", None),
        ("certs", "create", None),
    ]
