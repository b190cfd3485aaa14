"""``plan --live``: diff against the cluster instead of the state snapshot.

Apps in apply mode are applied as a server-side dry run under sbkube-ci's field manager; the
result (with the server's defaults and admission changes) is compared with the live objects,
server-managed fields removed. Apps in helm mode are diffed the way helm-diff does it (see
``live_helm``): helm, not sbkube-ci, owns their fields. Apps that are deleted or failed to
render keep their snapshot side: there is nothing to dry-run. When the cluster cannot be
reached, every app says so in its own line instead of the whole plan failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sbkube_ci._retry import RetryReport
from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.loader import Project
from sbkube_ci.diff.engine import AppRender, AppSnapshot
from sbkube_ci.errors import SbkubeError
from sbkube_ci.k8s import ObjectRef, hook_of
from sbkube_ci.render import RenderResult
from sbkube_ci.state.models import StateDocument

if TYPE_CHECKING:
    from sbkube_ci.deploy.inspect.preview import Previewer, PreviewItem
    from sbkube_ci.deploy.kube.connection import ClusterConnection

Entries = dict[str, tuple[AppRender | None, AppSnapshot | None]]


def live_entries(
    project: Project,
    cluster: str,
    entries: Mapping[str, tuple[AppRender | None, AppSnapshot | None]],
    render: RenderResult,
    state: StateDocument,
    *,
    on_retry: RetryReport | None = None,
) -> Entries:
    """``entries`` with each rendered app's old side replaced by what is live on ``cluster``;
    ``on_retry`` hears of each request the API server asked to send again later."""
    # Imported here: the Kubernetes client takes ~0.5 s to import, and every CLI run imports
    # this module through the plan command while only ``--live`` needs a cluster.
    from sbkube_ci.deploy.inspect.preview import Previewer  # noqa: PLC0415
    from sbkube_ci.deploy.kube.connection import connect  # noqa: PLC0415

    config = project.config
    cluster_config = config.effective_clusters()[cluster]
    rendered = render.for_cluster(cluster)
    wanted = [app for app, (new, _) in entries.items() if new and not new.error and app in rendered]
    result: Entries = dict(entries)
    try:
        with connect(
            cluster, cluster_config, config.settings, base_dir=project.base_dir, on_retry=on_retry
        ) as conn:
            conn.client.dynamic  # noqa: B018  # one discovery call: is the cluster reachable?
            previewer = Previewer(
                conn.client, cluster=cluster, created_namespaces=_created(project, cluster, render)
            )
            live = _LiveRun(project, cluster, conn, previewer, render, state)
            for app in wanted:
                result[app] = live.entry(app, entries[app])
    except SbkubeError as exc:
        why = str(exc).splitlines()[0]
        for app in wanted:
            if result[app] is entries[app]:  # not compared before the cluster went away
                new, old = entries[app]
                message = f"live plan of app {app} on cluster {cluster} failed: {why}; " + (
                    "plan without --live to diff against the recorded state"
                )
                result[app] = (replace(new, error=message) if new else None, old)
    return result


def _unchanged_hooks(
    items: Sequence[PreviewItem], rendered: Sequence[dict[str, Any]], old: AppSnapshot | None
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """(live, desired) per object; a helm hook rendered as it was deployed is unchanged.

    Hooks are created, run and often deleted (``hook-succeeded``) by every deploy, so the
    cluster cannot say whether one changed; the deployed snapshot can.
    """
    before = {_identity(obj): obj for obj in _deployed_objects(old)}
    now = {_identity(obj): obj for obj in rendered}
    pairs = []
    for item in items:
        key = (item.ref.api_version, item.ref.kind, item.ref.namespace, item.ref.name)
        if hook_of(now.get(key) or {}) and key in before and before[key] == now[key]:
            pairs.append((item.desired, item.desired))
        else:
            pairs.append((item.live, item.desired))
    return pairs


def _deployed_objects(old: AppSnapshot | None) -> Sequence[dict[str, Any]]:
    if old is None:
        return ()
    source = old.objects
    return source() if callable(source) else source


def _identity(obj: dict[str, Any]) -> tuple[str, str, str | None, str]:
    metadata = obj.get("metadata") or {}
    return (obj.get("apiVersion", ""), obj.get("kind", ""), metadata.get("namespace"),
            metadata.get("name", ""))  # fmt: skip


def _created(project: Project, cluster: str, render: RenderResult) -> set[str]:
    """Namespaces the deploy creates: every app's own, and the Namespace objects rendered."""
    config = project.config
    cluster_config = config.effective_clusters()[cluster]
    rendered = render.for_cluster(cluster)
    return {config.namespace_of(app, cluster_config) for app in rendered} | {
        obj["metadata"]["name"]
        for app in rendered.values()
        for obj in app.objects
        if obj.get("kind") == "Namespace"
    }


@dataclass
class _LiveRun:
    project: Project
    cluster: str
    connection: ClusterConnection
    previewer: Previewer
    render: RenderResult
    state: StateDocument

    def entry(
        self, app: str, entry: tuple[AppRender | None, AppSnapshot | None]
    ) -> tuple[AppRender | None, AppSnapshot | None]:
        """One app's (new, old) sides from the cluster; its own failure becomes its error."""
        new, old = entry
        if new is None:
            return entry
        try:
            return self._entry(app, new, old)
        except SbkubeError as exc:  # e.g. a field-manager conflict: the plan shows it
            return (replace(new, error=str(exc)), old)

    def _entry(
        self, app: str, new: AppRender, old: AppSnapshot | None
    ) -> tuple[AppRender, AppSnapshot | None]:
        from sbkube_ci.planning.live_helm import helm_live_entry  # noqa: PLC0415

        project, cluster, state = self.project, self.cluster, self.state
        config = project.config
        cluster_config = config.effective_clusters()[cluster]
        rendered = self.render.for_cluster(cluster)[app]
        configured = config.apps[app]
        deployed = state.apps.get(app)
        # An app still deployed in apply mode is compared as apply mode: helm's dry run would
        # refuse its objects (not yet adopted), and the deploy adopts them as they are.
        applied = deployed is not None and deployed.helm is None and bool(deployed.inventory)
        if isinstance(configured, HelmApp) and configured.deploy_mode == "helm" and not applied:
            where = (cluster, cluster_config)
            return helm_live_entry(project, where, self.connection, new, rendered)
        previous = [
            ObjectRef(ref.api_version, ref.kind, ref.namespace, ref.name)
            for ref in (deployed.inventory if deployed else [])
        ]
        preview = self.previewer.preview_app(
            app,
            rendered.objects,
            previous,
            namespace=config.namespace_of(app, cluster_config),
            force_conflicts=bool(getattr(configured, "force_conflicts", False)),
        )
        pairs = _unchanged_hooks(preview.items, rendered.objects, old)
        live: list[dict[str, Any]] = [obj for obj, _ in pairs if obj is not None]
        desired: list[dict[str, Any]] = [obj for _, obj in pairs if obj is not None]
        new_side = replace(new, objects=desired)
        return (new_side, AppSnapshot(objects=live) if live or deployed else old)
