"""Charts in OCI registries: ``chart: oci://host/path/chart`` or ``<registry key>/<chart>``.

Tags are resolved to the manifest digest through the registry API; the chart is then pulled
by that digest with ``helm pull``, so what is cached and locked is exactly what was resolved.
Helm runs with sbkube-ci's own registry config under ``.sbkube/helm/`` (never the user's), and
logs in with the password on stdin; helm 3.18 ignores ``--username/--password`` on pull.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sbkube_ci import _proc
from sbkube_ci.config.apps import App, HelmApp
from sbkube_ci.config.sections import OciRegistry
from sbkube_ci.config.types import resolve_secret
from sbkube_ci.errors import SourceError
from sbkube_ci.sources._charts import cached_chart, chart_store, staging_dir, store_archive
from sbkube_ci.sources._oci_api import Registry
from sbkube_ci.sources.base import Pin, Request, SourceContext
from sbkube_ci.sources.semver import InvalidVersion, Range, nearest, parse_versions

KIND = "oci"
NAMESPACE = "oci-charts"
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_DIGEST = re.compile(r"^Digest:\s*(sha256:[0-9a-f]{64})\s*$", re.MULTILINE)


def _helm_app(name: str, app: App) -> HelmApp:
    if not isinstance(app, HelmApp):
        raise SourceError(f"apps.{name}: an OCI chart needs type helm")
    return app


def reference(name: str, app: HelmApp, ctx: SourceContext) -> str:
    """``host[:port]/path/chart`` without scheme, from either chart syntax."""
    if app.chart.startswith("oci://"):
        ref = app.chart.removeprefix("oci://")
    else:
        key, _, chart = app.chart.partition("/")
        registry = ctx.project.config.settings.oci_registries.get(key)
        if registry is None or not chart:
            raise SourceError(
                f"apps.{name}.chart: {app.chart!r} names no registry of settings.oci_registries"
            )
        ref = registry.registry.removeprefix("oci://").rstrip("/") + "/" + chart
    if "@" in ref or ":" in ref.split("/", 1)[-1] or "/" not in ref or ref.startswith("-"):
        raise SourceError(
            f"apps.{name}.chart: {app.chart!r} must be oci://host/path/chart without tag or "
            "digest; put the version in version:"
        )
    return ref


def _credentials(host: str, ctx: SourceContext) -> tuple[str, str] | None:
    """Username and password of the ``settings.oci_registries`` entry for ``host``."""
    for key, registry in ctx.project.config.settings.oci_registries.items():
        if _host(registry.registry.removeprefix("oci://")) == host and registry.username:
            return registry.username, _password(key, registry)
    return None


def _password(key: str, registry: OciRegistry) -> str:
    return resolve_secret(registry.password, f"settings.oci_registries.{key}.password") or ""


def _host(ref: str) -> str:
    return ref.split("/", 1)[0]


def registry_for(name: str, ref: str, ctx: SourceContext) -> Registry:
    host = _host(ref)
    plain = host.split(":")[0] in _LOCAL_HOSTS or host.startswith("[::1]")
    return Registry(host, plain, _credentials(host, ctx), f"apps.{name}", ctx.timeout)


class OciSource:
    """Helm charts stored as OCI artifacts."""

    def handles(self, app: App) -> bool:
        return isinstance(app, HelmApp) and app.chart_kind == "oci"

    def request(self, name: str, app: App, ctx: SourceContext) -> Request:
        helm_app = _helm_app(name, app)
        return Request(KIND, "oci://" + reference(name, helm_app, ctx), helm_app.version or "")

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        helm_app = _helm_app(name, app)
        ref = reference(name, helm_app, ctx)
        registry = registry_for(name, ref, ctx)
        repository = ref.split("/", 1)[1]
        constraint = helm_app.version or ""
        version = constraint if _is_exact(constraint) else None
        digest = (
            registry.manifest_digest(repository, version.replace("+", "_")) if version else None
        )
        if digest is None:
            tags = [t.replace("_", "+") for t in registry.tags(repository)]
            version = self._choose(name, ref, constraint, tags)
            digest = registry.manifest_digest(repository, version.replace("+", "_"))
        if digest is None:
            raise SourceError(f"apps.{name}: oci://{ref}:{version} vanished while resolving")
        return Pin(KIND, "oci://" + ref, digest, version=version, constraint=constraint)

    def _choose(self, name: str, ref: str, constraint: str, tags: list[str]) -> str:
        where = f"apps.{name}"
        if not tags:
            raise SourceError(f"{where}: chart oci://{ref} not found (the registry has no tags)")
        if constraint in tags:
            return constraint
        try:
            best = Range.parse(constraint).best(parse_versions(tags))
        except InvalidVersion as exc:
            raise SourceError(f"{where}.version: {exc}; write 1.2.3, ~1.2, ^1.2 or >=1 <2") from exc
        if best is None:
            close = ", ".join(nearest(constraint, tags)) or "none"
            raise SourceError(
                f"{where}: oci://{ref} has no version {constraint!r}; nearest available: {close}"
            )
        return str(best)

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        where = f"apps.{name}"
        store = chart_store(ctx, NAMESPACE)
        cached = cached_chart(store, pin.digest, where)
        if cached is not None:
            return cached
        ref = pin.source.removeprefix("oci://")
        registry = registry_for(name, ref, ctx)
        tmp = staging_dir(ctx)
        try:
            archive = _pull(f"oci://{ref}@{pin.digest}", registry, ctx, tmp)
            return store_archive(store, pin.digest, archive, f"{where}: {pin.source}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _pull(ref: str, registry: Registry, ctx: SourceContext, dest: Path) -> Path:
    """``helm pull`` of ``oci://...@sha256:...`` into ``dest``; the archive, digest checked."""
    where = registry.where
    digest = ref.rpartition("@")[2]
    flags = ["--plain-http"] if registry.plain_http else []
    config = ["--registry-config", ctx.helm_env()["HELM_REGISTRY_CONFIG"]]
    if registry.auth:
        ctx.memo(f"oci-login:{registry.host}", lambda: _login(registry, ctx, flags + config))
    result = _proc.run(
        [ctx.helm_binary(), "pull", "-d", str(dest), *flags, *config, "--", ref],
        env=ctx.helm_env(),
        timeout=ctx.timeout,
        error=SourceError,
        what=f"{where}: helm pull {ref}",
    )
    pulled = _DIGEST.search(result.stderr + result.stdout)
    if pulled is None or pulled.group(1) != digest:
        got = pulled.group(1) if pulled else "no digest"
        raise SourceError(f"{where}: digest mismatch for {ref}: expected {digest}, got {got}")
    archives = sorted(dest.glob("*.tgz"))
    if len(archives) != 1:
        raise SourceError(f"{where}: helm pull {ref} produced no chart archive")
    return archives[0]


_STDIN = ("--password-stdin",)


def _login(registry: Registry, ctx: SourceContext, flags: list[str]) -> bool:
    """``helm registry login`` into sbkube-ci's registry config; password on stdin only."""
    username, password = registry.auth or ("", "")
    ctx.private_dir("helm/registry")
    login = [ctx.helm_binary(), "registry", "login", f"--username={username}", *_STDIN, *flags]
    _proc.run(
        [*login, "--", registry.host],
        env=ctx.helm_env(),
        input_text=password,
        secrets=[password],
        timeout=ctx.timeout,
        error=SourceError,
        what=f"{registry.where}: helm registry login {registry.host}",
    )
    return True


def _is_exact(constraint: str) -> bool:
    return bool(re.fullmatch(r"v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?", constraint))
