"""Drift of what the state records as deployed: for ``status`` and ``deploy --force``.

The state's inventory and snapshot of each app (Secret values still sealed) are what
``inspect.drift`` compares with the live objects.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sbkube_ci._retry import RetryReport
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.inspect.drift import DeployedApp, DriftReport, detect_drift
from sbkube_ci.deploy.kube.connection import connect
from sbkube_ci.deploy.run.record import from_state_refs
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.render.pipeline import select_clusters
from sbkube_ci.state import StateBackend, StateDocument

HELM_FIELD_MANAGER = "helm"  # helm 3 writes objects as field manager "helm" (its binary name)


def drift_reports(
    project: Project,
    backend: StateBackend,
    clusters: Sequence[str] = (),
    *,
    on_retry: RetryReport | None = None,
) -> list[DriftReport]:
    """One report per selected cluster: the state's apps compared with the live objects;
    ``on_retry`` hears of each request the API server asked to send again later."""
    reports = []
    settings = project.config.settings
    for name, cluster in select_clusters(project, clusters or None).items():
        apps = deployed_apps(backend, name, backend.read_state(name))
        with connect(
            name, cluster, settings, base_dir=project.base_dir, on_retry=on_retry
        ) as connection:
            reports.append(detect_drift(connection.client, name, apps))
    return reports


def deployed_apps(
    backend: StateBackend, cluster: str, state: StateDocument, names: Collection[str] | None = None
) -> dict[str, DeployedApp]:
    """What the state says each app (of ``names``, default all) deployed, for drift checks."""
    return {
        app: DeployedApp(
            from_state_refs(recorded.inventory),
            # Secret values stay sealed: drift of a sealed value is judged without the key.
            load_objects(backend.load_snapshot(cluster, recorded.snapshot, reveal=False))
            if recorded.snapshot
            else [],
            HELM_FIELD_MANAGER if recorded.helm is not None else None,
        )
        for app, recorded in state.apps.items()
        if recorded.inventory and (names is None or app in names)
    }
