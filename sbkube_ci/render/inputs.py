"""An app made ready to render: built (helm apps) at most once per run, on first use.

Rendering starts while other apps still build: the first unit of an app (one app on one
cluster) builds it and the app's units on other clusters reuse the build, so helm processes
run from the start of a run instead of after a build phase.
"""

from __future__ import annotations

import threading

from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.models import app_of
from sbkube_ci.config.sections import Cluster
from sbkube_ci.errors import SbkubeError
from sbkube_ci.render.build import build_chart, merge_values
from sbkube_ci.render.context import RenderContext
from sbkube_ci.render.unit import AppInput
from sbkube_ci.sources.base import PreparedSource


def build_app(
    ctx: RenderContext, key: str, source: PreparedSource, targets: dict[str, Cluster]
) -> AppInput:
    """Build the chart of a helm app's source ``key`` and write its merged values per cluster.

    ``key`` is a source key (``Config.source_key``): the app's own source, or the one a
    cluster gives it (another chart version); values are written for the clusters that use it.
    """
    config = ctx.project.config
    name, app = app_of(key), config.source_app(key)
    if not isinstance(app, HelmApp):
        return AppInput(name, app, source, None)
    built = build_chart(ctx, name, app, source, into=key)
    values = {
        cluster_name: merge_values(
            ctx, name, app, cluster_name=cluster_name, cluster=cluster, chart=built.path
        )
        for cluster_name, cluster in targets.items()
        if config.source_key(name, cluster_name) == key
    }
    return AppInput(name, app, source, built, values)


class BuildOnce:
    """``get(key)`` builds a source the first time any thread asks, then remembers the outcome."""

    def __init__(
        self,
        ctx: RenderContext,
        sources: dict[str, PreparedSource],
        targets: dict[str, Cluster],
    ) -> None:
        self._ctx = ctx
        self._sources = sources
        self._targets = targets
        self._locks = {key: threading.Lock() for key in sources}
        self._done: dict[str, AppInput | SbkubeError] = {}

    def get(self, key: str) -> AppInput:
        with self._locks[key]:
            if key not in self._done:
                try:
                    self._done[key] = build_app(self._ctx, key, self._sources[key], self._targets)
                except SbkubeError as exc:
                    self._done[key] = exc
        outcome = self._done[key]
        if isinstance(outcome, SbkubeError):
            raise outcome
        return outcome
