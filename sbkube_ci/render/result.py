"""What ``render_project`` returns: one ``RenderedApp`` per (cluster, app), and the failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbkube_ci.render.normalize import load_objects
from sbkube_ci.sources.base import Pin


@dataclass(eq=False)
class RenderedApp:
    """One app rendered for one cluster; ``text`` and ``objects`` load lazily from ``path``.

    A warm run reads nothing but digests, so thousands of cached apps cost no YAML parsing
    until a caller (plan, deploy) asks for the objects of the apps it needs.
    """

    cluster: str
    app: str
    render_digest: str
    input_digest: str
    pin: Pin | None
    path: Path
    from_cache: bool = False
    _text: str | None = field(default=None, repr=False)
    # Helm apps: the built chart, and a second render of the same input (the plan's checks
    # compare the two to find fields a chart renders randomly).
    chart: Path | None = None
    chart_digest: str = ""  # of the built chart's files: equal digests, equal templates
    rerender: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The normalized manifests (``---`` before each object, keys sorted)."""
        if self._text is None:
            self._text = self.path.read_text(encoding="utf-8")
        return self._text

    @property
    def objects(self) -> list[dict[str, Any]]:
        """The objects, parsed from ``text`` on each call (callers keep what they need)."""
        return load_objects(self.text)


@dataclass(frozen=True)
class RenderFailure:
    cluster: str | None  # None: the app failed before any cluster (prepare, build)
    app: str
    message: str


@dataclass
class RenderResult:
    apps: dict[tuple[str, str], RenderedApp] = field(default_factory=dict)
    errors: list[RenderFailure] = field(default_factory=list)
    helm_version: str = ""  # of the helm that rendered the helm apps; empty without any
    render_engine: str = ""  # "worker" or "cli" for helm apps (see render/helm.py)

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_cluster(self, cluster: str) -> dict[str, RenderedApp]:
        return {app: rendered for (c, app), rendered in self.apps.items() if c == cluster}
