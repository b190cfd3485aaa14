"""``plan --live``: diff against the cluster instead of the state snapshot.

Each rendered app is applied as a server-side dry run; the result (with the server's defaults
and admission changes) is compared with the live objects, server-managed fields removed. Apps
that are deleted or failed to render keep their snapshot side: there is nothing to dry-run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.inventory import ObjectRef
from sbkube_ci.diff.engine import AppRender, AppSnapshot
from sbkube_ci.errors import SbkubeError
from sbkube_ci.render import RenderResult
from sbkube_ci.state.models import StateDocument

Entries = dict[str, tuple[AppRender | None, AppSnapshot | None]]


def live_entries(
    project: Project,
    cluster: str,
    entries: Mapping[str, tuple[AppRender | None, AppSnapshot | None]],
    render: RenderResult,
    state: StateDocument,
) -> Entries:
    """``entries`` with each rendered app's old side replaced by what is live on ``cluster``."""
    # Imported here: the Kubernetes client takes ~0.5 s to import, and every CLI run imports
    # this module through the plan command while only ``--live`` needs a cluster.
    from sbkube_ci.deploy.clusters import connect  # noqa: PLC0415
    from sbkube_ci.deploy.preview import Previewer  # noqa: PLC0415

    config = project.config
    cluster_config = config.effective_clusters()[cluster]
    rendered = render.for_cluster(cluster)
    result: Entries = dict(entries)
    created = {config.namespace_of(app, cluster_config) for app in rendered} | {
        obj["metadata"]["name"]
        for app in rendered.values()
        for obj in app.objects
        if obj.get("kind") == "Namespace"
    }
    with connect(cluster, cluster_config, config.settings, base_dir=project.base_dir) as conn:
        previewer = Previewer(conn.client, cluster=cluster, created_namespaces=created)
        for app, (new, old) in entries.items():
            if new is None or new.error or app not in rendered:
                continue
            deployed = state.apps.get(app)
            previous = [
                ObjectRef(ref.api_version, ref.kind, ref.namespace, ref.name)
                for ref in (deployed.inventory if deployed else [])
            ]
            try:
                preview = previewer.preview_app(
                    app,
                    rendered[app].objects,
                    previous,
                    namespace=config.namespace_of(app, cluster_config),
                    force_conflicts=bool(getattr(config.apps[app], "force_conflicts", False)),
                )
            except SbkubeError as exc:  # e.g. a field-manager conflict: the plan shows it
                result[app] = (replace(new, error=str(exc)), old)
                continue
            pairs = preview.pairs()
            live: list[dict[str, Any]] = [obj for obj, _ in pairs if obj is not None]
            desired: list[dict[str, Any]] = [obj for _, obj in pairs if obj is not None]
            new_side = AppRender(
                objects=desired,
                render_digest=new.render_digest,
                input_digest=new.input_digest,
                helm_version=new.helm_version,
                source=new.source,
            )
            result[app] = (new_side, AppSnapshot(objects=live) if live or deployed else old)
    return result
