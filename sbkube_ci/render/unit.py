"""Render one app on one cluster: compute its input digest, then take the cache or render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sbkube_ci.config.apps import App, HelmApp, KustomizeApp
from sbkube_ci.config.sections import Cluster
from sbkube_ci.errors import RenderError
from sbkube_ci.render import digest
from sbkube_ci.render.build import BuiltChart, MergedValues, merge_values
from sbkube_ci.render.cache import RenderCache
from sbkube_ci.render.context import RenderContext
from sbkube_ci.render.helm import Helm, TemplateRequest
from sbkube_ci.render.kustomize import Kustomize, kustomize_inputs
from sbkube_ci.render.manifests import manifest_files, read_chunks
from sbkube_ci.render.normalize import Chunk, Normalized, normalize_rendered, split_helm_output
from sbkube_ci.render.output import RenderedDir
from sbkube_ci.render.result import RenderedApp
from sbkube_ci.sources.base import PreparedSource


@dataclass
class Engines:
    """The renderers and the cache, shared by all workers of a run."""

    helm: Helm
    kustomize: Kustomize
    cache: RenderCache


@dataclass(frozen=True)
class AppInput:
    """An app ready to render: its prepared source and, for helm apps, its built chart."""

    name: str
    app: App
    source: PreparedSource
    built: BuiltChart | None
    values: dict[str, MergedValues] = field(default_factory=dict)  # by cluster (helm apps)


@dataclass(frozen=True)
class Target:
    name: str
    cluster: Cluster
    output: RenderedDir


def render_unit(
    ctx: RenderContext, engines: Engines, item: AppInput, target: Target
) -> RenderedApp:
    """The app rendered for the cluster, from the cache when its input digest is known."""
    namespace = ctx.project.config.namespace_of(item.name, target.cluster)
    where = f"apps.{item.name} on cluster {target.name}"
    parts, produce = _plan(ctx, engines, item, target, namespace=namespace, where=where)
    input_digest = parts.digest()
    cached = engines.cache.get(input_digest)
    text: str | None = None
    if cached is None:
        normalized = produce()
        cached = engines.cache.put(input_digest, normalized.text)
        text = normalized.text
    output = target.output
    if not output.up_to_date(item.name, input_digest, cached.render_digest):
        output.write(item.name, input_digest, cached.render_digest, text or cached.manifest)
    return RenderedApp(
        cluster=target.name,
        app=item.name,
        render_digest=cached.render_digest,
        input_digest=input_digest,
        pin=item.source.pin,
        path=output.file(item.name),
        from_cache=text is None,
        _text=text,
        chart=item.built.path if item.built is not None else None,
        chart_digest=item.built.tree_digest if item.built is not None else "",
        rerender=(lambda: produce().text) if isinstance(item.app, HelmApp) else None,
    )


Producer = Callable[[], Normalized]


def _plan(
    ctx: RenderContext,
    engines: Engines,
    item: AppInput,
    target: Target,
    *,
    namespace: str,
    where: str,
) -> tuple[digest.InputDigestParts, Producer]:
    """The input digest parts of the unit and how to render it when the cache misses."""
    app, pin = item.app, item.source.pin
    if isinstance(app, HelmApp):
        return _plan_helm(ctx, engines, item, target, namespace=namespace, where=where)
    if isinstance(app, KustomizeApp):
        directory = item.source.path
        inputs = kustomize_inputs(directory, root=ctx.project.base_dir)
        tree = digest.files_digest((ctx.display(f), f) for f in inputs)
        parts = _parts(app.type, pin.digest, tree, namespace, engines.kustomize.version())

        def kustomize() -> Normalized:
            text = engines.kustomize.build(directory, where, ctx.display(directory))
            return normalize_rendered([Chunk(ctx.display(directory), text)], namespace, where)

        return parts, kustomize
    files = manifest_files(item.name, app, item.source.path)
    tree = digest.files_digest((ctx.display(f), f) for f in files)
    parts = _parts(app.type, pin.digest, tree, namespace, "")

    def manifests() -> Normalized:
        return normalize_rendered(read_chunks(files, ctx.project.base_dir), namespace, where)

    return parts, manifests


def _plan_helm(
    ctx: RenderContext,
    engines: Engines,
    item: AppInput,
    target: Target,
    *,
    namespace: str,
    where: str,
) -> tuple[digest.InputDigestParts, Producer]:
    app, built, cluster = item.app, item.built, target.cluster
    if not isinstance(app, HelmApp) or built is None:
        raise RenderError(f"{where}: the chart was not built")
    values = item.values.get(target.name) or merge_values(
        ctx, item.name, app, cluster_name=target.name, cluster=cluster, chart=built.path
    )
    release = app.release_name or item.name
    parts = digest.InputDigestParts(
        app_type=app.type,
        source_digest=item.source.pin.digest,
        tree_digest=built.tree_digest,
        values_digest=values.digest,
        release_name=release,
        namespace=namespace,
        tool_version=engines.helm.version(),
        kube_version=cluster.kube_version or "",
        api_versions=tuple(cluster.api_versions),
    )
    request = TemplateRequest(
        release=release,
        chart=built.path,
        values_file=values.path,
        namespace=namespace,
        kube_version=cluster.kube_version,
        api_versions=tuple(sorted(set(cluster.api_versions))),
        where=where,
    )

    def helm() -> Normalized:
        output = engines.helm.template(request)
        return normalize_rendered(split_helm_output(output, item.name), namespace, where)

    return parts, helm


def _parts(
    app_type: str, source: str, tree: str, namespace: str, tool: str
) -> digest.InputDigestParts:
    return digest.InputDigestParts(
        app_type=app_type,
        source_digest=source,
        tree_digest=tree,
        values_digest="",
        release_name="",
        namespace=namespace,
        tool_version=tool,
        kube_version="",
        api_versions=(),
    )
