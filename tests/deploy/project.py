"""A small project of yaml apps wired to fake API servers, for the deploy/rollback/status tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sbkube_ci.commands.deploy import DeployReport, DeployRequest, run_deploy
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.state import StateBackend, open_backend
from sbkube_ci.state.identity import Identity


def config_map(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def deployment(name: str, image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


class DeployProject:
    """An sbkube.yaml in ``root`` with yaml apps whose manifests the test rewrites."""

    def __init__(self, root: Path, kubeconfigs: Mapping[str, Path | None]) -> None:
        self.root = root
        self.kubeconfigs = dict(kubeconfigs)
        self.apps: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {"state": {"backend": "local", "lock": {"wait": "0s"}}}
        self.settings: dict[str, Any] = {"namespace": "shop"}
        self.cluster_fields: dict[str, dict[str, Any]] = {}

    def app(
        self,
        name: str,
        objects: Sequence[dict[str, Any]],
        *,
        depends_on: Sequence[str] = (),
        **fields: Any,
    ) -> None:
        (self.root / "manifests").mkdir(parents=True, exist_ok=True)
        (self.root / "manifests" / f"{name}.yaml").write_text(yaml.safe_dump_all(objects))
        self.apps[name] = {
            "type": "yaml",
            "manifests": [f"manifests/{name}.yaml"],
            **({"depends_on": list(depends_on)} if depends_on else {}),
            **fields,
        }

    def write(self) -> None:
        clusters = {
            name: {
                **({"kubeconfig": str(path)} if path is not None else {}),
                **self.cluster_fields.get(name, {}),
            }
            for name, path in self.kubeconfigs.items()
        }
        document = {
            "apiVersion": "sbkube/v1",
            "settings": self.settings,
            "clusters": clusters,
            "apps": self.apps,
            **self.extra,
        }
        (self.root / "sbkube.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def load(self) -> Project:
        self.write()
        return load_project(self.root)

    def backend(self, actor: str = "alice") -> StateBackend:
        return open_backend(self.load(), identity=Identity(actor, "pid 1", ""))

    def deploy(self, **options: Any) -> tuple[DeployReport, list[str]]:
        lines: list[str] = []
        request = DeployRequest(**options)
        report = run_deploy(self.load(), request, echo=lines.append, backend=self.backend())
        return report, lines


def kube_apply(kubeconfig: Path, obj: dict[str, Any], *, manager: str = "kubectl") -> None:
    """Server-side apply ``obj`` as another field manager (a person with kubectl)."""
    with KubeClient.from_kubeconfig(kubeconfig, None) as client:
        resource = client.resource(obj["apiVersion"], obj["kind"])
        client.dynamic.server_side_apply(
            resource,
            body=obj,
            name=obj["metadata"]["name"],
            namespace=obj["metadata"].get("namespace"),
            field_manager=manager,
            force_conflicts=True,
        )


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def kube_delete(kubeconfig: Path, api_version: str, kind: str, namespace: str, name: str) -> None:
    """Delete an object behind sbkube-ci's back."""
    with KubeClient.from_kubeconfig(kubeconfig, None) as client:
        resource = client.resource(api_version, kind)
        client.dynamic.delete(resource, name=name, namespace=namespace)
