"""An app made ready to render: built (helm apps) at most once per run, on first use.

Rendering starts while other apps still build: the first unit of an app (one app on one
cluster) builds it and the app's units on other clusters reuse the build, so helm processes
run from the start of a run instead of after a build phase.
"""

from __future__ import annotations

import threading

from sbkube_ci.config.apps import App, HelmApp
from sbkube_ci.config.sections import Cluster
from sbkube_ci.errors import SbkubeError
from sbkube_ci.render.build import build_chart, merge_values
from sbkube_ci.render.context import RenderContext
from sbkube_ci.render.unit import AppInput
from sbkube_ci.sources.base import PreparedSource


def build_app(
    ctx: RenderContext, name: str, app: App, source: PreparedSource, targets: dict[str, Cluster]
) -> AppInput:
    """Build a helm app's chart and write its merged values for each cluster."""
    if not isinstance(app, HelmApp):
        return AppInput(name, app, source, None)
    built = build_chart(ctx, name, app, source)
    values = {
        cluster_name: merge_values(
            ctx, name, app, cluster_name=cluster_name, cluster=cluster, chart=built.path
        )
        for cluster_name, cluster in targets.items()
    }
    return AppInput(name, app, source, built, values)


class BuildOnce:
    """``get(name)`` builds an app the first time any thread asks, then remembers the outcome."""

    def __init__(
        self,
        ctx: RenderContext,
        apps: dict[str, App],
        sources: dict[str, PreparedSource],
        targets: dict[str, Cluster],
    ) -> None:
        self._ctx = ctx
        self._apps = apps
        self._sources = sources
        self._targets = targets
        self._locks = {name: threading.Lock() for name in sources}
        self._done: dict[str, AppInput | SbkubeError] = {}

    def get(self, name: str) -> AppInput:
        with self._locks[name]:
            if name not in self._done:
                try:
                    self._done[name] = build_app(
                        self._ctx, name, self._apps[name], self._sources[name], self._targets
                    )
                except SbkubeError as exc:
                    self._done[name] = exc
        outcome = self._done[name]
        if isinstance(outcome, SbkubeError):
            raise outcome
        return outcome
