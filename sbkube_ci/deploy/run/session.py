"""One cluster's deploy session: the connection, the tools on it and the options of the run.

Every step of a deploy (an app, its hooks, its actions, a restore) takes the session rather
than a growing list of arguments.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sbkube_ci.config.apps import App, HelmApp
from sbkube_ci.config.loader import Project
from sbkube_ci.config.sections import Cluster
from sbkube_ci.deploy.apply.applier import Applier
from sbkube_ci.deploy.apply.readiness import ReadinessWaiter
from sbkube_ci.deploy.helm_release import HelmReleases
from sbkube_ci.deploy.kube.connection import ClusterConnection
from sbkube_ci.deploy.run.shell import ShellRunner
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.state import AppState, StateBackend, StateDocument
from sbkube_ci.workdir import WorkDir

Echo = Callable[[str], None]


@dataclass
class Session:
    """One cluster's deploy: the connection, the tools on it and the options of the run."""

    cluster_name: str
    project: Project
    cluster: Cluster
    connection: ClusterConnection
    applier: Applier
    helm: HelmReleases
    dry_run: bool
    mask: Callable[[str], str]
    echo: Echo
    backend: StateBackend | None = None
    state: StateDocument | None = None
    # Secret values read back from the state (a snapshot's kept random values) are masked too
    learn_secrets: Callable[[list[dict[str, Any]]], None] = lambda _objects: None

    def namespace(self, app: str) -> str:
        return self.project.config.namespace_of(app, self.cluster)

    def namespace_or_default(self, app: str) -> str:
        """The namespace of ``app``, also once it left sbkube.yaml (then the default one)."""
        if app in self.project.config.apps:
            return self.namespace(app)
        return self.cluster.namespace or self.project.config.settings.namespace

    def other_namespaces(self, app: str) -> frozenset[str]:
        """Namespaces other apps of this cluster deploy into: prune must not delete them."""
        config = self.project.config
        used = {
            config.namespace_of(name, self.cluster) for name in config.enabled_apps() if name != app
        }
        if self.state is not None:
            for name, recorded in self.state.apps.items():
                if name != app:
                    used.update(ref.namespace for ref in recorded.inventory if ref.namespace)
        return frozenset(used)

    def snapshot(self, old: AppState) -> list[dict[str, Any]]:
        """The objects ``old`` deployed (its snapshot), or none without a state backend."""
        if self.backend is None or not old.snapshot:
            return []
        return load_objects(self.backend.load_snapshot(self.cluster_name, old.snapshot))

    def timeout(self, app: App | None) -> float:
        own = app.timeout if isinstance(app, HelmApp) else None
        return float(own or self.project.config.settings.timeout)

    def runner(self, app: str) -> ShellRunner:
        """Commands of ``app`` run in the project directory with the cluster in their env."""
        env = dict(os.environ)
        env.update(SBKUBE_APP=app, SBKUBE_CLUSTER=self.cluster_name)
        env["SBKUBE_NAMESPACE"] = self.namespace(app) if app in self.project.config.apps else ""
        if self.connection.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.connection.kubeconfig)
        return ShellRunner(cwd=str(self.project.base_dir), env=env, mask=self.mask, echo=self.echo)


def open_session(
    project: Project,
    connection: ClusterConnection,
    backend: StateBackend | None,
    *,
    dry_run: bool = False,
    mask: Callable[[str], str] = str,
    echo: Echo = lambda _line: None,
    learn_secrets: Callable[[list[dict[str, Any]]], None] = lambda _objects: None,
) -> Session:
    """The session of one connected cluster: its applier (with readiness waits) and helm."""
    waiter = ReadinessWaiter(connection.client, progress=echo, max_interval=2.0)
    return Session(
        cluster_name=connection.name,
        project=project,
        cluster=project.config.effective_clusters()[connection.name],
        connection=connection,
        applier=Applier(connection.client, cluster=connection.name, waiter=waiter),
        helm=HelmReleases(
            WorkDir(project.base_dir).helm,
            kubeconfig=connection.kubeconfig,
            kube_context=connection.context,
            helm_version=project.config.settings.helm_version,
        ),
        dry_run=dry_run,
        mask=mask,
        echo=echo,
        backend=backend,
        learn_secrets=learn_secrets,
    )
