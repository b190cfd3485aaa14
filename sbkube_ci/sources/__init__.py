"""Source kinds behind one protocol, and ``prepare_apps`` which resolves and fetches them."""

from __future__ import annotations

from sbkube_ci.config.apps import App
from sbkube_ci.errors import SourceError
from sbkube_ci.sources.base import PreparedSource, Source, SourceContext
from sbkube_ci.sources.local import LocalSource

SOURCES: dict[str, Source] = {
    "local": LocalSource(),
}


def source_for(name: str, app: App) -> Source | None:
    """The source kind responsible for ``app``; None for apps without a source (exec, noop)."""
    for source in SOURCES.values():
        if source.handles(app):
            return source
    return None


def prepare_app(name: str, app: App, ctx: SourceContext) -> PreparedSource:
    """Resolve and fetch one app's source."""
    source = source_for(name, app)
    if source is None:
        raise SourceError(f"apps.{name}: type {app.type} has no source to prepare")
    pin = source.resolve(name, app, ctx)
    return PreparedSource(name, pin, source.fetch(name, app, pin, ctx))
