"""Deploying a helm app in helm mode: ``helm upgrade --install`` of the chart ``build`` wrote.

Before helm runs, the app's namespace is created when missing (recorded in the inventory).
An app that was deployed in apply mode is adopted: its live objects get helm's ownership
metadata, and objects of the old inventory the chart no longer renders are pruned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.loader import Project
from sbkube_ci.config.sections import Cluster
from sbkube_ci.deploy.apply.adoption import adopt_into_helm
from sbkube_ci.deploy.apply.result import ObjectOutcome
from sbkube_ci.deploy.helm_release import UpgradeRequest
from sbkube_ci.deploy.kube.errors import UnknownKindError
from sbkube_ci.deploy.run.jobs import AppTask
from sbkube_ci.deploy.run.record import from_state_refs
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import ObjectRef, hook_of
from sbkube_ci.render.build import values_path
from sbkube_ci.state import AppState, HelmReleaseRef
from sbkube_ci.workdir import WorkDir

if TYPE_CHECKING:
    from sbkube_ci.deploy.run.session import Session


def helm_request(
    project: Project, *, cluster_name: str, cluster: Cluster, task: AppTask, dry_run: bool = False
) -> UpgradeRequest:
    """The ``helm upgrade --install`` of the chart ``build`` wrote, with this cluster's values."""
    app = project.config.apps[task.name]
    if not isinstance(app, HelmApp):
        raise DeployError(f"app {task.name}: helm mode is only for type: helm apps")
    chart = WorkDir(project.base_dir).build(project.config.source_key(task.name, cluster_name))
    if not chart.is_dir():
        raise DeployError(
            f"app {task.name}: built chart {chart} is missing; run `sbkube-ci build` first"
        )
    values: Path = values_path(chart, cluster_name)
    return UpgradeRequest(
        app=task.name,
        release=app.release_name or task.name,
        chart=chart,
        namespace=project.config.namespace_of(task.name, cluster),
        values_file=values if values.is_file() else None,
        create_namespace=app.create_namespace,
        atomic=app.atomic,
        wait=app.wait,
        timeout=float(app.timeout or project.config.settings.timeout),
        dry_run=dry_run,
    )


def deploy_release(
    session: Session, task: AppTask, old: AppState | None
) -> tuple[HelmReleaseRef, list[ObjectRef]]:
    """Install or upgrade the app's release; returns it and the inventory to record."""
    if task.rendered is None:
        raise DeployError(f"app {task.name}: internal error: no rendered manifests")
    request = helm_request(
        session.project,
        cluster_name=session.cluster_name,
        cluster=session.cluster,
        task=task,
        dry_run=session.dry_run,
    )
    what = f"{session.cluster_name}/{task.name}"
    from_apply = old is not None and old.helm is None and bool(old.inventory)
    request = replace(request, force_conflicts=task.repair or from_apply)
    created = session.applier.namespaces.ensure(
        task.name, request.namespace, dry_run=session.dry_run
    )
    refs = release_refs(session, task.rendered.objects, request.namespace)
    if session.dry_run and created is not None and created.outcome is ObjectOutcome.CREATED:
        session.echo(
            f"{what}: dry run: namespace {request.namespace} is created by this deploy; "
            "helm's server-side dry run needs it, so it is skipped"
        )
    elif session.dry_run and from_apply:
        session.echo(
            f"{what}: dry run: the app moves from apply mode into helm release "
            f"{request.release}; helm's dry run cannot adopt objects, so it is skipped"
        )
    else:
        if from_apply:
            client = session.connection.client
            adopted = adopt_into_helm(
                client, refs, release=request.release, namespace=request.namespace
            )
            session.echo(f"{what}: adopted {len(adopted)} object(s) into helm release")
        session.helm.upgrade(request)
    revision = None
    if not session.dry_run:
        history = session.helm.history(task.name, request.release, request.namespace)
        revision = history[-1].revision if history else None
    if created is not None:  # the namespace sbkube-ci created for the release is recorded
        refs = sorted({*refs, created.ref}, key=ObjectRef.key)
    if from_apply and old is not None:
        _prune_left_behind(session, task.name, from_state_refs(old.inventory), refs)
    release = HelmReleaseRef(name=request.release, namespace=request.namespace, revision=revision)
    return release, refs


def _prune_left_behind(
    session: Session, app: str, previous: Sequence[ObjectRef], current: Sequence[ObjectRef]
) -> None:
    """What apply mode deployed and the chart no longer renders: helm would never remove it."""
    kept = set(current)
    gone = [ref for ref in previous if ref not in kept]
    if not gone:
        return
    used = {ref.namespace for ref in current if ref.namespace}
    session.applier.apply_app(
        app,
        [],
        gone,
        dry_run=session.dry_run,
        timeout=session.timeout(session.project.config.apps.get(app)),
        event="upgrade",
        keep_namespaces=session.other_namespaces(app) | used,
    )


def release_refs(
    session: Session, objects: Sequence[dict[str, Any]], namespace: str
) -> list[ObjectRef]:
    """The inventory of a helm release: its rendered objects, namespaced as the server says.

    Hooks are not the release's objects (helm creates and deletes them per event).
    """
    refs = []
    for obj in objects:
        if hook_of(obj):
            continue
        ref = ObjectRef.of(obj)
        try:
            namespaced = bool(
                session.connection.client.resource(ref.api_version, ref.kind).namespaced
            )
        except UnknownKindError:
            namespaced = ref.namespace is not None
        refs.append(
            ObjectRef(
                ref.api_version,
                ref.kind,
                (ref.namespace or namespace) if namespaced else None,
                ref.name,
            )
        )
    return sorted(refs, key=ObjectRef.key)
