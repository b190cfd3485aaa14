"""Source kinds behind one protocol, keyed in ``SOURCES`` by the kind ``sbkube.lock`` records.

``source_kind`` maps an app to its kind (it needs the settings: ``<key>/<chart>`` may name a
Helm repository or an OCI registry). ``sources.prepare.prepare_apps`` resolves and fetches.
"""

from __future__ import annotations

from sbkube_ci.config.apps import App, GitApp, HelmApp, HttpApp, KustomizeApp, YamlApp
from sbkube_ci.config.sections import Settings
from sbkube_ci.errors import SourceError
from sbkube_ci.sources.base import PreparedSource, Source, SourceContext
from sbkube_ci.sources.git import GitSource
from sbkube_ci.sources.helm_repo import HelmRepoSource
from sbkube_ci.sources.http import HttpSource
from sbkube_ci.sources.local import LocalSource
from sbkube_ci.sources.oci import OciSource

SOURCES: dict[str, Source] = {
    "local": LocalSource(),
    "helm_repo": HelmRepoSource(),
    "oci": OciSource(),
    "git": GitSource(),
    "http": HttpSource(),
}


def source_kind(app: App, settings: Settings) -> str | None:
    """The key of ``SOURCES`` responsible for ``app``; None for apps without a source."""
    if isinstance(app, HelmApp):
        kind = app.chart_kind
        if kind == "repo":
            key = app.chart.partition("/")[0]
            return (
                "oci"
                if key in settings.oci_registries and key not in settings.helm_repos
                else "helm_repo"
            )
        return {"local": "local", "oci": "oci", "git": "git"}[kind]
    if isinstance(app, YamlApp | KustomizeApp):
        return "local"
    if isinstance(app, GitApp):
        return "git"
    if isinstance(app, HttpApp):
        return "http"
    return None


def source_for(name: str, app: App, ctx: SourceContext | None = None) -> Source | None:
    """The source kind responsible for ``app``; None for apps without a source (exec, noop)."""
    if ctx is not None:
        kind = source_kind(app, ctx.project.config.settings)
        return SOURCES[kind] if kind else None
    for source in SOURCES.values():
        if source.handles(app):
            return source
    return None


def prepare_app(name: str, app: App, ctx: SourceContext) -> PreparedSource:
    """Resolve and fetch one app's source, ignoring the lock (see ``prepare_apps``)."""
    source = source_for(name, app, ctx)
    if source is None:
        raise SourceError(f"apps.{name}: type {app.type} has no source to prepare")
    pin = source.resolve(name, app, ctx)
    return PreparedSource(name, pin, source.fetch(name, app, pin, ctx))


__all__ = ["SOURCES", "prepare_app", "source_for", "source_kind"]
