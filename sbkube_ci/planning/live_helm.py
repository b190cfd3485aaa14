"""``plan --live`` for an app in helm mode: a diff as helm-diff computes it.

The old side is the release's manifest (``helm get manifest``), the new side what
``helm upgrade --install --dry-run=server`` would install (rendered with lookups against the
cluster and validated by the API server). sbkube-ci's own field manager plays no part: helm,
not a server-side apply, would change these objects. A release whose namespace does not exist
yet cannot be dry-run; its new side is the render, and its old side empty.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sbkube_ci.config.loader import Project
from sbkube_ci.config.sections import Cluster
from sbkube_ci.deploy.helm_release import HelmReleases
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.deploy.run.helm_apps import helm_request
from sbkube_ci.deploy.run.jobs import AppTask
from sbkube_ci.diff.engine import AppRender, AppSnapshot
from sbkube_ci.k8s import ObjectRef, hook_of
from sbkube_ci.render.normalize import normalize_rendered, split_helm_output
from sbkube_ci.workdir import WorkDir

if TYPE_CHECKING:
    from sbkube_ci.deploy.kube.connection import ClusterConnection
    from sbkube_ci.render.result import RenderedApp


def helm_live_entry(
    project: Project,
    cluster: tuple[str, Cluster],
    connection: ClusterConnection,
    new: AppRender,
    rendered: RenderedApp,
) -> tuple[AppRender, AppSnapshot | None]:
    """(what the upgrade would install, what the release has now) for one helm-mode app;
    no old side when the release is not installed (the plan says create)."""
    name, config = cluster
    app = rendered.app
    request = helm_request(
        project, cluster_name=name, cluster=config, task=AppTask(app, "update", "helm")
    )
    helm = HelmReleases(
        WorkDir(project.base_dir).helm,
        kubeconfig=connection.kubeconfig,
        kube_context=connection.context,
    )
    installed = bool(helm.history(app, request.release, request.namespace))
    current = helm.manifest(app, request.release, request.namespace) if installed else ""
    if _namespace_exists(connection, request.namespace):
        desired = _objects(helm.dry_run_manifest(request), request.namespace, app)
    else:
        desired = [obj for obj in rendered.objects if not hook_of(obj)]
    new_side = replace(new, objects=desired)
    if not installed:
        return new_side, None
    return new_side, AppSnapshot(objects=_objects(current, request.namespace, app))


def _objects(manifest: str, namespace: str, app: str) -> list[dict[str, Any]]:
    if not manifest.strip():
        return []
    chunks = split_helm_output(manifest, app)
    objects = normalize_rendered(chunks, namespace, f"app {app}: helm release manifest").objects
    return [obj for obj in objects if not hook_of(obj)]


def _namespace_exists(connection: ClusterConnection, namespace: str) -> bool:
    client = connection.client
    ref = ObjectRef("v1", "Namespace", None, namespace)
    return LiveObjects(client).get(ref, client.resource("v1", "Namespace")) is not None
