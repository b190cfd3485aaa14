"""Hooks run in the same order as the real helm runs them, compared on the real API server.

One chart with hooks of several weights, kinds and names is installed twice: by helm itself
(``deploy_mode: helm``) and by sbkube-ci (``deploy_mode: apply``). The hooks keep helm's
default delete policy (``before-hook-creation``), so they stay, and the order each was created
in is read back from their ``resourceVersion`` (etcd's revision, which grows with every write).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sbkube_ci.deploy.apply.hooks import hook_sort_key
from sbkube_ci.deploy.kube.client import KubeClient
from tests.e2e.conftest import unique
from tests.support.projects import DeployProject

pytestmark = pytest.mark.cluster

# (event, kind, name, weight): a table of what decides helm's order
HOOKS = [
    ("pre-install", "ConfigMap", "b", 5),
    ("pre-install", "ConfigMap", "a", 5),
    ("pre-install", "Secret", "z", 5),
    ("pre-install", "ServiceAccount", "x", 5),
    ("pre-install", "ServiceAccount", "s", 10),
    ("pre-install", "Role", "r", -1),
    ("pre-install", "RoleBinding", "q", -1),
    ("pre-install", "ConfigMap", "m", -1),
    ("pre-install", "Secret", "early", -10),
    ("post-install", "ConfigMap", "p2", 0),
    ("post-install", "Secret", "p1", 0),
    ("post-install", "ConfigMap", "p0", -3),
    ("post-install", "ServiceAccount", "p3", 0),
]


def _hook(event: str, kind: str, name: str, weight: int) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1" if kind.startswith("Role") else "v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "annotations": {"helm.sh/hook": event, "helm.sh/hook-weight": str(weight)},
        },
    }
    if kind == "Role":
        obj["rules"] = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]
    if kind == "RoleBinding":
        obj["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}
        obj["subjects"] = [{"kind": "ServiceAccount", "name": "s"}]
    return obj


def _chart(root: Path) -> str:
    chart = root / "charts" / "hooks"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: hooks\nversion: 1.0.0\n")
    main = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "main"}}
    documents = [_hook(*row) for row in HOOKS] + [main]
    (chart / "templates" / "all.yaml").write_text(yaml.safe_dump_all(documents))
    return "./charts/hooks"


@pytest.fixture
def two_namespaces(kube: KubeClient) -> Iterator[tuple[str, str]]:
    names = (unique("sbkube-hooks-helm"), unique("sbkube-hooks-apply"))
    yield names
    resource = kube.resource("v1", "Namespace")
    for name in names:
        resource.delete(name=name, propagation_policy="Background")


def _creation_order(kube: KubeClient, namespace: str) -> list[str]:
    found = []
    for api_version, kind in [("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "ServiceAccount"),
                              ("rbac.authorization.k8s.io/v1", "Role"),
                              ("rbac.authorization.k8s.io/v1", "RoleBinding")]:  # fmt: skip
        for item in kube.resource(api_version, kind).get(namespace=namespace).to_dict()["items"]:
            metadata = item["metadata"]
            if "helm.sh/hook" in (metadata.get("annotations") or {}):
                found.append((int(metadata["resourceVersion"]), f"{kind}/{metadata['name']}"))
    return [name for _, name in sorted(found)]


def test_hooks_are_created_in_the_order_helm_creates_them(
    kube: KubeClient, two_namespaces: tuple[str, str], e2e_kubeconfig: Path, tmp_path: Path
) -> None:
    orders = {}
    for mode, namespace in zip(("helm", "apply"), two_namespaces, strict=True):
        root = tmp_path / mode
        project = DeployProject(root, {"e2e": e2e_kubeconfig})
        project.settings["namespace"] = namespace
        project.apps["hooks"] = {"type": "helm", "chart": _chart(root), "deploy_mode": mode}
        report, _ = project.deploy()
        assert report.exit_code == 0, report.text()
        orders[mode] = _creation_order(kube, namespace)

    assert orders["apply"] == orders["helm"]
    # helm 3's hookByWeight, per event: weight, then name (not kind, whatever its docs say)
    expected = [
        "Secret/early", "ConfigMap/m", "RoleBinding/q", "Role/r",
        "ConfigMap/a", "ConfigMap/b", "ServiceAccount/x", "Secret/z", "ServiceAccount/s",
        "ConfigMap/p0", "Secret/p1", "ConfigMap/p2", "ServiceAccount/p3",
    ]  # fmt: skip
    assert orders["helm"] == expected
    pre = sorted((_hook(*row) for row in HOOKS if row[0] == "pre-install"), key=hook_sort_key)
    assert [f"{o['kind']}/{o['metadata']['name']}" for o in pre] == expected[:9]
