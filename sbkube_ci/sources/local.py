"""Local charts and manifests: content already in the repository, pinned by a tree digest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sbkube_ci._paths import escape_problem, outside_links
from sbkube_ci.config.apps import App, HelmApp, KustomizeApp, YamlApp
from sbkube_ci.errors import SourceError
from sbkube_ci.sources.base import Pin, Request, SourceContext


def tree_digest(paths: Iterable[Path], root: Path) -> str:
    """sha256 over the relative names and contents of every file under ``paths``."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for path in paths:
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in sorted(set(files)):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def expand(ctx: SourceContext, name: str, patterns: list[str]) -> list[Path]:
    """Files named by ``patterns`` (globs allowed), relative to the project and inside it."""
    base = ctx.project.base_dir
    found: list[Path] = []
    for pattern in patterns:
        if why := escape_problem(base, pattern):
            raise SourceError(f"apps.{name}: {why}; every file sbkube.yaml names must be inside it")
        matches = (
            sorted(base.glob(pattern))
            if any(c in pattern for c in "*?[")
            else [ctx.project.resolve(pattern)]
        )
        existing = [_contained(ctx, name, m) for m in matches if m.exists()]
        if not existing:
            raise SourceError(f"apps.{name}: {pattern} does not exist under {base}")
        found += existing
    return found


def _contained(ctx: SourceContext, name: str, path: Path) -> Path:
    """``path``, refused when a symlink under it (a chart or manifest directory) leads out."""
    links = outside_links(path, ctx.project.base_dir)
    if links:
        raise SourceError(
            f"apps.{name}: {links[0]} is a symlink that points outside the project directory; "
            "replace it with the file itself"
        )
    return path


def _named(app: App) -> str | None:
    """What a local app names: a chart directory, manifest files or a kustomize directory."""
    if isinstance(app, HelmApp):
        return app.chart
    if isinstance(app, YamlApp):
        return "\0".join(app.manifests)
    if isinstance(app, KustomizeApp):
        return app.path
    return None


class LocalSource:
    """Helm charts by local path, yaml manifests, kustomize directories."""

    def handles(self, app: App) -> bool:
        if isinstance(app, HelmApp):
            return app.chart_kind == "local"
        return isinstance(app, YamlApp | KustomizeApp)

    def _paths(self, name: str, app: App, ctx: SourceContext) -> list[Path]:
        """The app's files, found once per run for every app naming the same ones (an app's
        request, resolve and fetch ask three times; many apps often share one chart)."""
        named = _named(app)
        if named is None:
            raise SourceError(f"apps.{name}: not a local source")
        return list(ctx.memo(f"local-paths:{app.type}:{named}", lambda: self._find(name, app, ctx)))

    def _find(self, name: str, app: App, ctx: SourceContext) -> list[Path]:
        if isinstance(app, HelmApp):
            chart = ctx.project.inside(app.chart, f"apps.{name}.chart", SourceError)
            if not (chart / "Chart.yaml").is_file():
                raise SourceError(f"apps.{name}.chart: {app.chart} has no Chart.yaml")
            return [_contained(ctx, name, chart)]
        if isinstance(app, YamlApp):
            return expand(ctx, name, app.manifests)
        if isinstance(app, KustomizeApp):
            return expand(ctx, name, [app.path])
        raise SourceError(f"apps.{name}: not a local source")

    def request(self, name: str, app: App, ctx: SourceContext) -> Request:
        base = ctx.project.base_dir
        paths = self._paths(name, app, ctx)
        return Request("local", ",".join(p.relative_to(base).as_posix() for p in paths))

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        paths = self._paths(name, app, ctx)
        base = ctx.project.base_dir
        rel = ",".join(p.relative_to(base).as_posix() for p in paths)
        # Many apps often share one chart: hash each tree once per run.
        digest = ctx.memo(f"local:{rel}", lambda: tree_digest(paths, base))
        return Pin(kind="local", source=rel, digest=digest)

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        paths = self._paths(name, app, ctx)
        return paths[0] if isinstance(app, HelmApp | KustomizeApp) else ctx.project.base_dir
