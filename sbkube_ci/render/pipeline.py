"""prepare → build → template for a project, apps in parallel.

``render_project`` is the entry point the plan and deploy stages call; ``build_project`` stops
after the build stage (``sbkube-ci build``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TypeVar

from sbkube_ci.config.apps import App, GitApp, HelmApp, HttpApp, KustomizeApp, YamlApp
from sbkube_ci.config.loader import Project
from sbkube_ci.config.models import split_source_key
from sbkube_ci.config.sections import Cluster
from sbkube_ci.errors import ConfigError, SbkubeError, SourceError
from sbkube_ci.progress import Progress, first_line
from sbkube_ci.render.cache import RenderCache
from sbkube_ci.render.context import RenderContext
from sbkube_ci.render.helm import Helm
from sbkube_ci.render.inputs import BuildOnce, build_app
from sbkube_ci.render.kustomize import Kustomize
from sbkube_ci.render.output import RenderedDir
from sbkube_ci.render.result import RenderFailure, RenderResult
from sbkube_ci.render.tools import ToolVersions
from sbkube_ci.render.unit import AppInput, Engines, Target, render_unit
from sbkube_ci.sources import source_for
from sbkube_ci.sources.base import PreparedSource, SourceContext
from sbkube_ci.sources.project import prepare_project

RENDERABLE = (HelmApp, YamlApp, KustomizeApp, GitApp, HttpApp)
K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


@dataclass
class BuildResult:
    inputs: dict[str, AppInput] = field(default_factory=dict)
    errors: list[RenderFailure] = field(default_factory=list)


def select_apps(project: Project, names: Iterable[str] | None = None) -> dict[str, App]:
    """The enabled apps that render (helm, yaml, kustomize, git, http), or the named ones."""
    config = project.config
    renderable: dict[str, App] = {
        name: app
        for name, app in sorted(config.enabled_apps().items())
        if isinstance(app, RENDERABLE)
    }
    if names is None:
        return renderable
    selected: dict[str, App] = {}
    for name in names:
        if name not in config.apps:
            known = ", ".join(sorted(config.apps)) or "none"
            raise ConfigError(f"--app {name}: no such app in the configuration; known: {known}")
        if name not in config.enabled_apps():
            raise ConfigError(f"--app {name}: the app is disabled (enabled: false)")
        if name in renderable:
            selected[name] = renderable[name]
    return dict(sorted(selected.items()))


def select_clusters(project: Project, names: Iterable[str] | None = None) -> dict[str, Cluster]:
    """The clusters to render for: all of ``config.effective_clusters()``, or the named ones."""
    clusters = project.config.effective_clusters()
    if names is None:
        return clusters
    unknown = [n for n in names if n not in clusters]
    if unknown:
        known = ", ".join(sorted(clusters))
        raise ConfigError(f"--cluster {unknown[0]}: no such cluster; known: {known}")
    return {n: clusters[n] for n in dict.fromkeys(names)}


def prepare_sources(
    ctx: RenderContext,
    apps: dict[str, App],
    clusters: Iterable[str],
    *,
    keep_going: bool,
    progress: Progress | None = None,
) -> dict[str, PreparedSource | SbkubeError]:
    """Each source the apps use on ``clusters``, prepared, or why it could not be.

    Keyed by source key (``Config.source_key``). Goes through ``sbkube.lock`` like
    ``sbkube-ci prepare``: frozen in CI, so a render in a pipeline uses exactly the locked
    versions and digests.
    """
    sources = SourceContext(
        project=ctx.project,
        cache_dir=ctx.cache_dir,
        work_dir=ctx.work.root,
        timeout=ctx.project.config.settings.timeout,
        progress=progress or Progress(),
    )
    with_source = [name for name, app in apps.items() if source_for(name, app, sources) is not None]
    result = prepare_project(
        ctx.project, with_source, clusters=clusters, keep_going=keep_going, ctx=sources
    )
    outcomes: dict[str, PreparedSource | SbkubeError] = dict(result.prepared)
    outcomes.update({name: SourceError(message) for name, message in result.errors.items()})
    return outcomes


def build_project(
    project: Project,
    *,
    apps: Iterable[str] | None = None,
    clusters: Iterable[str] | None = None,
    keep_going: bool = False,
    max_workers: int | None = None,
    ctx: RenderContext | None = None,
) -> BuildResult:
    """Prepare and build the apps; for helm apps write the merged values per cluster too."""
    ctx = ctx or RenderContext.for_project(project, max_workers)
    selected = select_apps(project, apps)
    targets = select_clusters(project, clusters)
    result = BuildResult()
    prepared = prepare_sources(ctx, selected, targets, keep_going=keep_going)
    ready = _collect(result.errors, prepared, keep_going)

    outcomes = _parallel(
        ctx,
        ready,
        lambda key, source: build_app(ctx, key, source, targets),
        stop_on_error=not keep_going,
    )
    result.inputs = _collect(result.errors, outcomes, keep_going)
    return result


def render_project(
    project: Project,
    *,
    clusters: Iterable[str] | None = None,
    apps: Iterable[str] | None = None,
    keep_going: bool = False,
    max_workers: int | None = None,
    progress: Progress | None = None,
) -> RenderResult:
    """Render the apps on the clusters into ``.sbkube/rendered/<cluster>/<app>.yaml``.

    Without ``keep_going`` the first failure is raised (an ``SbkubeError``); with it, every
    other app still renders and the failures are in ``RenderResult.errors``.
    """
    ctx = RenderContext.for_project(project, max_workers)
    targets = select_clusters(project, clusters)
    outputs = {name: RenderedDir(ctx.work.rendered(name)) for name in targets}
    try:
        return _render(
            ctx,
            project,
            targets=targets,
            outputs=outputs,
            apps=apps,
            keep_going=keep_going,
            progress=progress or Progress(),
        )
    finally:
        for output in outputs.values():
            output.save()


def _render(
    ctx: RenderContext,
    project: Project,
    *,
    targets: dict[str, Cluster],
    outputs: dict[str, RenderedDir],
    apps: Iterable[str] | None,
    keep_going: bool,
    progress: Progress,
) -> RenderResult:
    config = project.config
    selected = select_apps(project, apps)
    result = RenderResult()
    outcomes = prepare_sources(ctx, selected, targets, keep_going=keep_going, progress=progress)
    prepared = _collect(result.errors, outcomes, keep_going)
    for failure in result.errors:
        for cluster, output in outputs.items():
            if failure.cluster in (None, cluster):
                output.forget(failure.app)
    builds = BuildOnce(ctx, prepared, targets)
    engines = _engines(ctx)
    if any(isinstance(app, HelmApp) for app in selected.values()):
        result.helm_version = engines.helm.version()  # cached per binary: no process when warm
    units = {
        (cluster, name): Target(cluster, targets[cluster], outputs[cluster])
        for cluster in targets
        for name in selected
        if config.enabled_on(name, cluster)  # clusters.<c>.apps.<app>.enabled
        and config.source_key(name, cluster) in prepared
    }
    many = len(targets) > 1
    progress.stage("template", len(units))
    try:
        rendered = _parallel(
            ctx,
            units,
            lambda key, target: _reported(
                progress,
                f"{key[0]}/{key[1]}" if many else key[1],
                lambda: render_unit(
                    ctx, engines, builds.get(config.source_key(key[1], key[0])), target
                ),
            ),
            stop_on_error=not keep_going,
        )
    finally:
        progress.end_stage()
        result.render_engine = engines.helm.engine
        engines.helm.close()
    for (cluster, name), outcome in rendered.items():
        if isinstance(outcome, SbkubeError):
            outputs[cluster].forget(name)
            if not keep_going:
                raise outcome
            result.errors.append(RenderFailure(cluster, name, str(outcome)))
        else:
            result.apps[(cluster, name)] = outcome
    if apps is None:
        every = set(select_apps(project))
        for cluster, output in outputs.items():
            output.remove_except({n for n in every if project.config.enabled_on(n, cluster)})
    return result


def _reported(progress: Progress, item: str, work: Callable[[], R]) -> R:
    """``work()``, with its start and end shown by ``progress``."""
    progress.started(item)
    try:
        outcome = work()
    except SbkubeError as exc:
        progress.finished(item, "failed", first_line(str(exc)))
        raise
    progress.finished(item)
    return outcome


def _engines(ctx: RenderContext) -> Engines:
    tools = ToolVersions(ctx.cache_dir)
    timeout = ctx.project.config.settings.timeout or 600.0
    helm = Helm(ctx.work.helm, tools, timeout, major=ctx.project.config.settings.helm_version)
    return Engines(helm, Kustomize(tools, timeout, helm.worker), RenderCache(ctx.cache_dir))


def _collect(
    errors: list[RenderFailure], outcomes: dict[str, V | SbkubeError], keep_going: bool
) -> dict[str, V]:
    """The successful outcomes by source key; failures go to ``errors`` or, without
    keep_going, raise. A failed source of one cluster (``<app>@<cluster>``) fails it there."""
    ok: dict[str, V] = {}
    for key, outcome in outcomes.items():
        if isinstance(outcome, SbkubeError):
            if not keep_going:
                raise outcome
            name, cluster = split_source_key(key)
            errors.append(RenderFailure(cluster, name, str(outcome)))
        else:
            ok[key] = outcome
    return ok


def _parallel(
    ctx: RenderContext,
    items: dict[K, V],
    work: Callable[[K, V], R],
    *,
    stop_on_error: bool,
) -> dict[K, R | SbkubeError]:
    """``work`` on every item in a thread pool; results in the order of ``items``.

    With ``stop_on_error`` the first failure cancels the items not started yet (they are
    missing from the result), so a failing run ends without rendering everything else.
    """
    done: dict[K, R | SbkubeError] = {}
    if not items:
        return done
    with ThreadPoolExecutor(max_workers=min(ctx.max_workers, len(items))) as pool:
        futures: dict[Future[R], K] = {
            pool.submit(work, key, value): key for key, value in items.items()
        }
        for future in as_completed(futures):
            if future.cancelled():
                continue
            try:
                done[futures[future]] = future.result()
            except SbkubeError as exc:
                done[futures[future]] = exc
                if stop_on_error:
                    for other in futures:
                        other.cancel()
    return {key: done[key] for key in items if key in done}
