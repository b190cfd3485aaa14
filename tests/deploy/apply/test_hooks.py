"""Helm hooks in apply mode, run as helm runs them (order, events, delete policies, waits).

The charts are the corpus shapes (tests/data/charts) rendered by the real ``helm template``;
the order helm executes them in is helm's ``hookByWeight``: helm 3 by weight, name, then kind,
helm 4 by weight, kind, then name. tests/e2e/test_hook_order.py compares the order with a real
``helm install`` on the real API server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sbkube_ci import _proc
from sbkube_ci.deploy.apply.applier import Applier
from sbkube_ci.deploy.apply.hooks import event_hooks, hook_sort_key
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.errors import DeployError
from sbkube_ci.render.normalize import normalize_rendered, split_helm_output
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import apply_app as apply
from tests.support.cluster import fast_applier, kube_apply
from tests.support.objects import config_map, namespace
from tests.support.projects import CHARTS, deploy_project


def helm_template(chart: str, release: str = "r", namespace: str = "shop") -> list[dict[str, Any]]:
    """What the real helm renders for a corpus chart, CRDs included."""
    argv = ["helm", "template", release, str(CHARTS / chart), "-n", namespace, "--include-crds"]
    output = _proc.run(argv, timeout=120).stdout
    return normalize_rendered(split_helm_output(output, chart), namespace, chart).objects


def hook(kind: str, name: str, events: str, weight: int = 0, policy: str = "") -> dict[str, Any]:
    annotations = {"helm.sh/hook": events, "helm.sh/hook-weight": str(weight)}
    if policy:
        annotations["helm.sh/hook-delete-policy"] = policy
    api = {"Job": "batch/v1", "Deployment": "apps/v1", "Role": "rbac.authorization.k8s.io/v1"}
    obj: dict[str, Any] = {
        "apiVersion": api.get(kind, "v1"),
        "kind": kind,
        "metadata": {"name": name, "annotations": annotations},
    }
    if kind == "Job":
        containers = [{"name": "j", "image": "busybox"}]
        obj["spec"] = {"template": {"spec": {"containers": containers, "restartPolicy": "Never"}}}
    return obj


@pytest.mark.parametrize(
    ("hooks", "expected"),
    [
        # weight first, whatever the kind or name
        (
            [("Job", "a", 1), ("ServiceAccount", "b", -5)],
            ["ServiceAccount/b", "Job/a"],
        ),
        # equal weight: by name (helm's docs say kind; the helm 3.18 and 4.3.1 binaries do not)
        (
            [("Job", "a", 0), ("RoleBinding", "b", 0), ("Role", "c", 0), ("Secret", "d", 0)],
            ["Job/a", "RoleBinding/b", "Role/c", "Secret/d"],
        ),
        # equal weight and name: kind in install order
        (
            [("RoleBinding", "x", 0), ("Role", "x", 0), ("ServiceAccount", "x", 0)],
            ["ServiceAccount/x", "Role/x", "RoleBinding/x"],
        ),
        # unknown kinds after known ones, among themselves by kind
        (
            [("Widget", "a", 0), ("Gadget", "a", 0), ("Job", "a", 0)],
            ["Job/a", "Gadget/a", "Widget/a"],
        ),
        # PriorityClass precedes Namespace in helm's order (unlike the deploy's own order);
        # webhook configurations are known kinds, before custom ones
        (
            [("Namespace", "n", 0), ("PriorityClass", "n", 0), ("Widget", "n", 0),
             ("ValidatingWebhookConfiguration", "n", 0)],
            ["PriorityClass/n", "Namespace/n", "ValidatingWebhookConfiguration/n", "Widget/n"],
        ),
    ],
)  # fmt: skip
def test_hooks_sort_as_helms_hook_by_weight(
    hooks: list[tuple[str, str, int]], expected: list[str]
) -> None:
    objects = [hook(kind, name, "pre-install", weight) for kind, name, weight in hooks]
    keyed = sorted((hook_sort_key(o), i) for i, o in enumerate(objects))
    ordered = [objects[i] for _, i in keyed]
    assert [f"{o['kind']}/{o['metadata']['name']}" for o in ordered] == expected


def _names(pairs: list[tuple[Any, dict[str, Any]]]) -> list[str]:
    return [f"{obj['kind']}/{obj['metadata']['name']}" for _, obj in pairs]


def test_events_of_helm_rendered_charts() -> None:
    nginx = helm_template("ingress-nginx")
    rbac = [  # helm 3: by name, then kind for equal names
        "ServiceAccount/r-ingress-nginx-admission",
        "Role/r-ingress-nginx-admission",
        "RoleBinding/r-ingress-nginx-admission",
        "ClusterRole/r-ingress-nginx-admission-shop",
        "ClusterRoleBinding/r-ingress-nginx-admission-shop",
    ]
    assert _names(event_hooks(nginx, "pre-install")) == [
        *rbac,
        "Job/r-ingress-nginx-admission-create",
    ]
    assert _names(event_hooks(nginx, "post-upgrade")) == [
        *rbac,
        "Job/r-ingress-nginx-admission-patch",
    ]
    cert_manager = helm_template("cert-manager")
    assert _names(event_hooks(cert_manager, "pre-install")) == []
    assert _names(event_hooks(cert_manager, "post-install")) == [
        "ServiceAccount/r-startupapicheck",
        "Role/r-startupapicheck:create-cert",
        "RoleBinding/r-startupapicheck:create-cert",
        "Job/r-startupapicheck",
    ]
    assert _names(event_hooks(cert_manager, "post-upgrade")) == []


@pytest.fixture
def applier(kube: KubeClient, fake_kube: FakeKube) -> Applier:
    fake_kube.auto_ready()
    kube_apply(fake_kube.kubeconfig_path, namespace("shop"))
    return fast_applier(kube, max_interval=0.05)


def _hook_writes(fake_kube: FakeKube, start: int = 0) -> list[str]:
    """PATCH/DELETE of hook kinds as ``VERB kind/name``, from request ``start`` on."""
    plurals = {
        "serviceaccounts": "ServiceAccount",
        "roles": "Role",
        "rolebindings": "RoleBinding",
        "clusterroles": "ClusterRole",
        "clusterrolebindings": "ClusterRoleBinding",
        "jobs": "Job",
        "configmaps": "ConfigMap",
    }
    writes = []
    for method, path in fake_kube.requests[start:]:
        parts = path.split("?")[0].split("/")
        if method in ("PATCH", "DELETE") and len(parts) >= 2 and parts[-2] in plurals:
            writes.append(f"{method} {plurals[parts[-2]]}/{parts[-1]}")
    return writes


def test_cert_manager_startupapicheck_keeps_its_account_until_the_event_succeeded(
    applier: Applier, fake_kube: FakeKube
) -> None:
    objects = helm_template("cert-manager")

    result = apply(applier, objects)

    account, role = "ServiceAccount/r-startupapicheck", "Role/r-startupapicheck:create-cert"
    binding, job = "RoleBinding/r-startupapicheck:create-cert", "Job/r-startupapicheck"
    main = "ServiceAccount/r"
    assert [w for w in _hook_writes(fake_kube) if main not in w.split(" ")[1:]] == [
        # weight -5 in kind order, each after before-hook-creation, then the Job (weight 1)
        f"DELETE {account}", f"PATCH {account}",
        f"DELETE {role}", f"PATCH {role}",
        f"DELETE {binding}", f"PATCH {binding}",
        f"DELETE {job}", f"PATCH {job}",
        # hook-succeeded only once the whole event succeeded, in reverse order
        f"DELETE {job}", f"DELETE {binding}", f"DELETE {role}", f"DELETE {account}",
    ]  # fmt: skip
    assert fake_kube.get("ServiceAccount", "shop", "r-startupapicheck") is None
    assert fake_kube.get("Deployment", "shop", "r") is not None
    assert [r.ref.kind for r in result.results if r.hook] == [
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Job",
    ]
    assert all(ref.name != "r-startupapicheck" for ref in result.inventory)  # hooks: not pruned


def test_a_hook_of_two_events_is_created_again_for_the_second(
    applier: Applier, fake_kube: FakeKube
) -> None:
    objects = helm_template("ingress-nginx")

    apply(applier, objects)

    writes = _hook_writes(fake_kube)
    account = "ServiceAccount/r-ingress-nginx-admission"
    create, patch = "Job/r-ingress-nginx-admission-create", "Job/r-ingress-nginx-admission-patch"
    assert writes.count(f"PATCH {account}") == 2  # pre-install, then post-install
    first_delete = writes.index(f"DELETE {account}", writes.index(f"PATCH {account}"))
    assert writes.index(f"PATCH {create}") < first_delete < writes.index(f"PATCH {patch}")
    assert writes[-1] == f"DELETE {account}"
    assert fake_kube.get("ServiceAccount", "shop", "r-ingress-nginx-admission") is None
    assert fake_kube.get("Deployment", "shop", "r-ingress-nginx-controller") is not None


def test_a_failed_hook_fails_the_event_and_only_hook_failed_deletes(
    applier: Applier, fake_kube: FakeKube
) -> None:
    fake_kube.auto_ready(False)
    objects = [
        hook("ServiceAccount", "runner", "pre-install", -5, "hook-succeeded"),
        hook("Job", "migrate", "pre-install", 0, "hook-failed"),
        hook("Job", "seed", "pre-install", 1, "hook-succeeded"),
    ]

    with pytest.raises(DeployError, match="timed out after 1s") as error:
        apply(applier, objects, timeout=1.0)

    assert str(error.value).startswith("app shop: pre-install hook Job shop/migrate failed: ")
    assert fake_kube.get("Job", "shop", "migrate") is None  # hook-failed
    assert fake_kube.get("ServiceAccount", "shop", "runner") is not None  # event failed
    assert fake_kube.get("Job", "shop", "seed") is None  # never started


def test_hooks_that_are_not_jobs_or_pods_are_ready_once_created(
    applier: Applier, fake_kube: FakeKube
) -> None:
    fake_kube.auto_ready(False)
    deployment = hook("Deployment", "warmup", "pre-install")
    deployment["spec"] = {
        "selector": {"matchLabels": {"app": "w"}},
        "template": {
            "metadata": {"labels": {"app": "w"}},
            "spec": {"containers": [{"name": "w", "image": "busybox"}]},
        },
    }

    result = apply(applier, [deployment, hook("ConfigMap", "settings", "pre-install")])

    assert [r.ref.name for r in result.results if r.hook] == ["settings", "warmup"]


def test_each_event_runs_only_its_hooks(applier: Applier, fake_kube: FakeKube) -> None:
    events = [
        "pre-install", "post-install", "pre-upgrade", "post-upgrade",
        "pre-rollback", "post-rollback", "pre-delete", "post-delete",
    ]  # fmt: skip
    objects = [hook("ConfigMap", event, event) for event in events]
    main = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "main"}, "data": {}}

    def ran(**options: Any) -> list[str]:
        result = apply(applier, [main, *objects], **options)
        return [r.ref.name for r in result.results if r.hook]

    assert ran() == ["pre-install", "post-install"]
    installed = apply(applier, [main]).inventory
    assert ran(previous=installed) == ["pre-upgrade", "post-upgrade"]
    assert ran(previous=installed, event="rollback") == ["pre-rollback", "post-rollback"]
    start = len(fake_kube.requests)
    deleted = apply(applier, objects, previous=installed, event="delete")
    assert [r.ref.name for r in deleted.results if r.hook] == ["pre-delete", "post-delete"]
    writes = _hook_writes(fake_kube, start)
    # pre-delete hooks, then the app's objects are pruned, then post-delete hooks
    assert writes.index("PATCH ConfigMap/pre-delete") < writes.index("DELETE ConfigMap/main")
    assert writes.index("DELETE ConfigMap/main") < writes.index("PATCH ConfigMap/post-delete")


def test_dry_run_sends_every_hook_of_the_event_and_deletes_nothing(
    applier: Applier, fake_kube: FakeKube
) -> None:
    start = len(fake_kube.requests)
    result = apply(applier, helm_template("cert-manager"), dry_run=True)
    assert [r.ref.kind for r in result.results if r.hook] == [
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Job",
    ]
    assert not [m for m, _ in fake_kube.requests[start:] if m == "DELETE"]
    assert fake_kube.get("Job", "shop", "r-startupapicheck") is None


def test_removing_an_app_runs_its_delete_hooks_around_the_prune(
    tmp_path: Path, fake_kube: FakeKube
) -> None:
    project = deploy_project(tmp_path, fake_kube, root=".")
    main = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "main"}, "data": {}}
    cleanup = hook("Job", "cleanup", "pre-delete", policy="before-hook-creation")
    project.app("old", [main, cleanup])
    project.app("keep", [config_map("keep")])
    first, _ = project.deploy()
    assert first.exit_code == 0, first.text()
    assert fake_kube.get("Job", "shop", "cleanup") is None  # only on delete
    del project.apps["old"]
    start = len(fake_kube.requests)

    report, _ = project.deploy()

    assert report.exit_code == 0, report.text()
    writes = _hook_writes(fake_kube, start)
    assert writes.index("PATCH Job/cleanup") < writes.index("DELETE ConfigMap/main")
    assert fake_kube.get("Job", "shop", "cleanup") is not None
