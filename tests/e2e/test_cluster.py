"""End-to-end deploys on a real cluster (k3d in CI): helm mode, apply mode, CRDs, hooks, drift.

Run with ``SBKUBE_E2E_KUBECONFIG=/path/to/kubeconfig pytest -m cluster``; see docs/deploy.md.
Images are tiny public ones (pause, busybox) so a fresh k3d cluster pulls them in seconds.
"""

from __future__ import annotations

import copy
import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from sbkube_ci import _proc
from sbkube_ci.config.sections import Cluster, Settings
from sbkube_ci.deploy.apply.applier import Applier, ApplyError, ApplyResult, ObjectOutcome
from sbkube_ci.deploy.helm_release import HelmReleases, UpgradeRequest
from sbkube_ci.deploy.inspect.drift import DeployedApp, FieldChange, detect_drift
from sbkube_ci.deploy.inspect.preview import Change, Previewer
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.connection import connect
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import ObjectRef
from tests.e2e.conftest import delete_and_wait, unique
from tests.support import objects
from tests.support.objects import config_map, custom_resource, object_schema

pytestmark = pytest.mark.cluster

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
BUSYBOX_IMAGE = "busybox:1.36"

# a Deployment of the pause image: ready in seconds on a fresh cluster
deployment = partial(objects.deployment, image=PAUSE_IMAGE, replicas=1)


def hook_job(name: str, hook: str) -> dict[str, Any]:
    container = {"name": "run", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", "true"]}
    return objects.hook_job(
        name,
        hook,
        policy="hook-succeeded",
        container=container,
        restart_policy="Never",
        backoff_limit=0,
    )


def apply(
    kube: KubeClient,
    namespace: str,
    objects: list[dict[str, Any]],
    previous: list[ObjectRef] | None = None,
    timeout: float = 180.0,
) -> ApplyResult:
    applier = Applier(kube, cluster="e2e")
    return applier.apply_app(
        "e2e", copy.deepcopy(objects), previous or [], namespace=namespace, timeout=timeout
    )


def live(kube: KubeClient, api_version: str, kind: str, namespace: str | None, name: str) -> Any:
    """The live object as a dict, or None."""
    ref = ObjectRef(api_version, kind, namespace, name)
    return LiveObjects(kube).get(ref, kube.resource(api_version, kind))


def kubectl(kubeconfig: Path, context: str | None, *args: str) -> str:
    """Run the real kubectl, as a user changing the cluster by hand would."""
    flags = ["--kubeconfig", str(kubeconfig)] + (["--context", context] if context else [])
    return _proc.run(["kubectl", *flags, *args], timeout=120).stdout


# -- helm mode ---------------------------------------------------------------------------------


def write_chart(root: Path) -> Path:
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (root / "values.yaml").write_text("color: blue\n")
    manifests = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "{{ .Release.Name }}-settings"},
            "data": {"color": "{{ .Values.color }}"},
        },
        deployment("{{ .Release.Name }}"),
    ]
    text = "\n---\n".join(yaml.safe_dump(m) for m in manifests)
    (root / "templates" / "all.yaml").write_text(text)
    return root


def test_helm_install_upgrade_and_rollback(
    kube: KubeClient, namespace: str, e2e_kubeconfig: Path, e2e_context: str | None, tmp_path: Path
) -> None:
    chart = write_chart(tmp_path / "chart")
    helm = HelmReleases(tmp_path / "helm", kubeconfig=e2e_kubeconfig, kube_context=e2e_context)
    values = tmp_path / "values.yaml"

    def upgrade(color: str, *, dry_run: bool = False) -> str:
        values.write_text(f"color: {color}\n")
        request = UpgradeRequest(
            "web", "web", chart, namespace, values_file=values, atomic=True, timeout=180,
            dry_run=dry_run,
        )  # fmt: skip
        return helm.upgrade(request)

    def color() -> str:
        return str(live(kube, "v1", "ConfigMap", namespace, "web-settings")["data"]["color"])

    assert helm.history("web", "web", namespace) == []
    upgrade("green")
    assert color() == "green"
    assert live(kube, "apps/v1", "Deployment", namespace, "web")["status"]["readyReplicas"] == 1
    assert "orange" in upgrade("orange", dry_run=True)  # helm prints the dry-run manifest
    assert color() == "green"  # a dry run changes nothing
    upgrade("red")
    assert color() == "red"
    assert "red" in helm.manifest("web", "web", namespace)
    assert "green" in helm.manifest("web", "web", namespace, revision=1)
    helm.rollback("web", "web", namespace, 1, timeout=180)
    assert color() == "green"
    history = helm.history("web", "web", namespace)
    assert [(r.revision, r.status) for r in history] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]
    assert history[2].description == "Rollback to 1"


# -- apply mode --------------------------------------------------------------------------------


def test_apply_mode_applies_then_prunes(kube: KubeClient, namespace: str) -> None:
    first = apply(
        kube, namespace, [config_map("keep", a="1"), config_map("old"), deployment("api")]
    )
    assert live(kube, "apps/v1", "Deployment", namespace, "api")["status"]["readyReplicas"] == 1
    second = apply(kube, namespace, [config_map("keep", a="2"), deployment("api")], first.inventory)
    assert (
        second.outcome(ObjectRef("v1", "ConfigMap", namespace, "keep")) is ObjectOutcome.CONFIGURED
    )
    assert (
        second.outcome(ObjectRef("apps/v1", "Deployment", namespace, "api"))
        is ObjectOutcome.UNCHANGED
    )
    assert second.refs(ObjectOutcome.PRUNED) == [ObjectRef("v1", "ConfigMap", namespace, "old")]
    assert live(kube, "v1", "ConfigMap", namespace, "old") is None
    assert live(kube, "v1", "ConfigMap", namespace, "keep")["data"] == {"a": "2"}


def test_crd_and_its_custom_resource_in_one_app(kube: KubeClient, namespace: str) -> None:
    group = f"{unique('e2e')}.sbkube.io"
    crd = objects.crd("Widget", group, schema=object_schema(size={"type": "integer"}))
    widget = custom_resource("Widget", "w1", group)
    widget["spec"] = {"size": 3}
    crd_ref = ObjectRef(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, f"widgets.{group}"
    )
    try:
        preview = Previewer(kube, cluster="e2e").preview_app(
            "e2e", [crd, widget], [], namespace=namespace
        )
        assert [(i.change, i.validated) for i in preview.items] == [
            (Change.CREATE, True),
            (Change.CREATE, False),
        ]
        result = apply(kube, namespace, [widget, crd])
        assert result.inventory == [crd_ref, ObjectRef(f"{group}/v1", "Widget", namespace, "w1")]
        assert live(kube, f"{group}/v1", "Widget", namespace, "w1")["spec"] == {"size": 3}
    finally:
        delete_and_wait(kube, crd_ref)


def test_pre_install_hook_job_runs_and_is_deleted(kube: KubeClient, namespace: str) -> None:
    result = apply(kube, namespace, [config_map("settings"), hook_job("migrate", "pre-install")])
    hooks = [r for r in result.results if r.hook]
    assert [(str(r.ref), r.outcome) for r in hooks] == [
        (f"Job {namespace}/migrate", ObjectOutcome.CREATED)
    ]
    assert live(kube, "batch/v1", "Job", namespace, "migrate") is None  # hook-succeeded
    assert result.inventory == [ObjectRef("v1", "ConfigMap", namespace, "settings")]


def test_a_workload_that_never_gets_ready_times_out(kube: KubeClient, namespace: str) -> None:
    stuck = deployment("stuck", image="registry.invalid/sbkube/none:1")
    with pytest.raises(ApplyError) as error:
        apply(kube, namespace, [stuck], timeout=20)
    message = str(error.value)
    # The wait gets what is left of the app's 20s after applying, so the figure varies.
    assert re.match(
        r"timed out after [0-9.]+s waiting for 1 object\(s\) to become ready: ", message
    )
    assert f"deployment {namespace}/stuck" in message
    assert error.value.result.inventory == [ObjectRef("apps/v1", "Deployment", namespace, "stuck")]


# -- drift, preview, connection ----------------------------------------------------------------


def test_drift_after_kubectl_changes(
    kube: KubeClient, namespace: str, e2e_kubeconfig: Path, e2e_context: str | None
) -> None:
    objects = [config_map("settings", a="1"), config_map("extra"), deployment("api")]
    result = apply(kube, namespace, objects)
    app = DeployedApp(result.inventory, objects)
    assert detect_drift(kube, "e2e", {"e2e": app}).app("e2e").clean
    edit = json.dumps({"data": {"a": "edited"}})
    kubectl(e2e_kubeconfig, e2e_context, "-n", namespace, "patch", "configmap", "settings",
            "--type=merge", "-p", edit)  # fmt: skip
    kubectl(e2e_kubeconfig, e2e_context, "-n", namespace, "set", "image", "deployment/api",
            f"main={BUSYBOX_IMAGE}")  # fmt: skip
    kubectl(e2e_kubeconfig, e2e_context, "-n", namespace, "delete", "configmap", "extra")
    drift = detect_drift(kube, "e2e", {"e2e": app}).app("e2e")
    assert drift.missing == [ObjectRef("v1", "ConfigMap", namespace, "extra")]
    changes = {str(m.ref): m.fields for m in drift.modified}
    assert changes == {
        f"ConfigMap {namespace}/settings": [FieldChange("data.a", "1", "edited", "kubectl-patch")],
        f"Deployment {namespace}/api": [
            FieldChange(
                "spec.template.spec.containers[name=main].image",
                PAUSE_IMAGE,
                BUSYBOX_IMAGE,
                "kubectl-set",
            )
        ],
    }


def test_live_preview_on_a_real_server(kube: KubeClient, namespace: str) -> None:
    objects = [config_map("settings", a="1"), deployment("api")]
    first = apply(kube, namespace, [*objects, config_map("old")])
    changed = [config_map("settings", a="2"), deployment("api")]
    preview = Previewer(kube, cluster="e2e").preview_app(
        "e2e", changed, first.inventory, namespace=namespace
    )
    assert {str(i.ref): i.change for i in preview.items} == {
        f"ConfigMap {namespace}/settings": Change.UPDATE,
        f"Deployment {namespace}/api": Change.UNCHANGED,
        f"ConfigMap {namespace}/old": Change.DELETE,
    }
    live_cm, desired_cm = preview.pairs()[0]
    assert (live_cm or {})["data"] == {"a": "1"}
    assert (desired_cm or {})["data"] == {"a": "2"}
    assert live(kube, "v1", "ConfigMap", namespace, "settings")["data"] == {"a": "1"}


def test_connect_with_kubeconfig_content_from_the_environment(
    e2e_kubeconfig: Path, e2e_context: str | None, tmp_path: Path
) -> None:
    environ = {"KUBECONFIG_E2E": e2e_kubeconfig.read_text()}
    cluster = Cluster(kubeconfig_env="KUBECONFIG_E2E", context=e2e_context)
    with connect("e2e", cluster, Settings(), base_dir=tmp_path, environ=environ) as conn:
        assert conn.client.resource("apps/v1", "Deployment").namespaced
        assert conn.kubeconfig is not None
        helm = HelmReleases(
            tmp_path / "helm", kubeconfig=conn.kubeconfig, kube_context=conn.context
        )
        assert helm.history("e2e", unique("absent"), "default") == []  # helm reached the cluster
        nodes = kubectl(conn.kubeconfig, conn.context, "get", "nodes", "-o", "name")
        assert nodes.startswith("node/")
