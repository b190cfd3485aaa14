"""Helm repositories over HTTP(S): ``chart: <repo>/<chart>`` with ``settings.helm_repos``.

The repository's ``index.yaml`` is read once per run, the version range resolved with
``sources.semver``, and the archive downloaded, checked against the digest the index states,
and unpacked into the content store keyed by the archive's sha256. A pinned archive that is
already in the store needs no request at all.
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml

from sbkube_ci._urls import safe_url, same_host
from sbkube_ci.config.apps import App, HelmApp
from sbkube_ci.config.sections import HelmRepo
from sbkube_ci.config.types import resolve_secret
from sbkube_ci.errors import SourceError
from sbkube_ci.sources._charts import (
    cached_chart,
    chart_dir,
    chart_store,
    staging_dir,
    store_archive,
)
from sbkube_ci.sources._download import Client
from sbkube_ci.sources.base import Pin, Request, SourceContext
from sbkube_ci.sources.semver import InvalidVersion, Range, nearest, parse_versions

KIND = "helm_repo"
MAX_INDEX_BYTES = 100 * 1024 * 1024
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _helm_app(name: str, app: App) -> HelmApp:
    if not isinstance(app, HelmApp):
        raise SourceError(f"apps.{name}: a chart repository source needs type helm")
    return app


def split_chart(name: str, app: HelmApp) -> tuple[str, str]:
    repo, _, chart = app.chart.partition("/")
    if not repo or not chart or "/" in chart:
        raise SourceError(f"apps.{name}.chart: {app.chart!r} is not <repo>/<chart>")
    return repo, chart


def repo_settings(name: str, app: HelmApp, ctx: SourceContext) -> tuple[str, HelmRepo]:
    key, _ = split_chart(name, app)
    repo = ctx.project.config.settings.helm_repo(key)
    if repo is None:
        raise SourceError(
            f"apps.{name}.chart: repository {key!r} is not in settings.helm_repos; add it"
        )
    return key, repo


def client_for(key: str, repo: HelmRepo, ctx: SourceContext) -> Client:
    """Credentials and TLS settings of one repository (secrets read from the environment)."""
    where = f"settings.helm_repos.{key}"
    auth = None
    if repo.username:
        password = resolve_secret(repo.password, f"{where}.password") or ""
        auth = (repo.username, password)
    verify: bool | str = not repo.insecure_skip_tls_verify
    if repo.ca_file and not repo.insecure_skip_tls_verify:
        verify = str(ctx.project.resolve(repo.ca_file))
    cert: tuple[str, str] | str | None = None
    if repo.cert_file:
        cert_path = str(ctx.project.resolve(repo.cert_file))
        cert = (cert_path, str(ctx.project.resolve(repo.key_file))) if repo.key_file else cert_path
    return Client(auth=auth, verify=verify, cert=cert, timeout=ctx.timeout)


def load_index(url: str, client: Client, where: str, ctx: SourceContext) -> dict[str, Any]:
    """``<url>/index.yaml`` parsed safely, size-limited; ``entries`` is checked to be a mapping."""
    index_url = url.rstrip("/") + "/index.yaml"
    tmp = staging_dir(ctx)
    try:
        client.download(index_url, tmp / "index.yaml", where=where, max_bytes=MAX_INDEX_BYTES)
        text = (tmp / "index.yaml").read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        # The safe loader builds no objects and shares aliased nodes instead of copying them;
        # we only walk the entries of one chart, so an alias bomb costs nothing here.
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise SourceError(f"{where}: {safe_url(index_url)} is not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise SourceError(f"{where}: {safe_url(index_url)} is not a Helm repository index")
    return data


def choose(
    entries: list[dict[str, Any]], constraint: str, where: str, chart: str, url: str
) -> dict[str, Any]:
    """The index entry of the version that satisfies ``constraint`` best."""
    by_version = {str(e.get("version")): e for e in entries if isinstance(e, dict)}
    if constraint in by_version:  # exact match, even for a version that is not semver
        return by_version[constraint]
    try:
        wanted = Range.parse(constraint)
    except InvalidVersion as exc:
        raise SourceError(f"{where}.version: {exc}; write 1.2.3, ~1.2, ^1.2 or >=1 <2") from exc
    best = wanted.best(parse_versions(by_version))
    if best is None:
        close = ", ".join(nearest(constraint, by_version)) or "none"
        asked = f"version {constraint!r}" if constraint else "a stable version"
        raise SourceError(
            f"{where}: chart {chart} has no {asked} in {safe_url(url)}; nearest available: {close}"
        )
    return by_version[str(best)]


class HelmRepoSource:
    """``chart: <repo>/<chart>`` where ``<repo>`` is a key of ``settings.helm_repos``."""

    def handles(self, app: App) -> bool:
        return isinstance(app, HelmApp) and app.chart_kind == "repo"

    def request(self, name: str, app: App, ctx: SourceContext) -> Request:
        helm_app = _helm_app(name, app)
        _, repo = repo_settings(name, helm_app, ctx)
        _, chart = split_chart(name, helm_app)
        source = f"{safe_url(repo.url).rstrip('/')}/{chart}"
        return Request(KIND, source, helm_app.version or "")

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        app = _helm_app(name, app)
        key, repo = repo_settings(name, app, ctx)
        _, chart = split_chart(name, app)
        client = client_for(key, repo, ctx)
        where = f"apps.{name}"
        index = ctx.memo(f"{KIND}:{repo.url}", lambda: load_index(repo.url, client, where, ctx))
        entries = index["entries"].get(chart)
        if not isinstance(entries, list) or not entries:
            close = difflib.get_close_matches(chart, [str(k) for k in index["entries"]], n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SourceError(
                f"{where}: chart {chart!r} is not in {safe_url(repo.url)}/index.yaml{hint}"
            )
        entry = choose(entries, app.version or "", where, chart, repo.url)
        urls = entry.get("urls") or []
        if not urls or not isinstance(urls[0], str):
            raise SourceError(f"{where}: {chart} {entry.get('version')} has no download URL")
        archive_url = urljoin(repo.url.rstrip("/") + "/", urls[0])
        request = self.request(name, app, ctx)
        pin = Pin(
            kind=KIND,
            source=request.source,
            constraint=request.constraint,
            version=str(entry.get("version")),
            digest=f"sha256:{entry['digest']}" if entry.get("digest") else "",
            extra={"url": safe_url(archive_url)},  # credentials come from settings
        )
        if not pin.digest:  # an index without digests: the archive itself fixes the pin
            digest = self._download(name, app, pin, ctx, expected=None)
            pin = replace(pin, digest=digest)
        return pin

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        where = f"apps.{name}"
        cached = cached_chart(chart_store(ctx), pin.digest, where)
        if cached is not None:
            return cached
        self._download(name, app, pin, ctx, expected=pin.digest)
        return chart_dir(chart_store(ctx).path(pin.digest), where)

    def _download(
        self, name: str, app: App, pin: Pin, ctx: SourceContext, *, expected: str | None
    ) -> str:
        """Download the pinned archive into the store; returns its sha256."""
        key, repo = repo_settings(name, _helm_app(name, app), ctx)
        where = f"apps.{name}"
        url = pin.extra["url"]
        tmp = staging_dir(ctx)
        try:
            archive = tmp / "chart.tgz"
            client = client_for(key, repo, ctx)
            if not same_host(url, repo.url) and not repo.pass_credentials:
                # The index names the archive URL; since CVE-2021-32690 helm sends the
                # repository's credentials to another host only with --pass-credentials.
                client = replace(client, auth=None)
            digest = client.download(url, archive, where=where, max_bytes=ctx.max_download_bytes)
            if expected is not None and digest != expected:
                raise SourceError(
                    f"{where}: digest mismatch for {safe_url(url)}: expected {expected}, got "
                    f"{digest}; the archive changed on the server (if that is intended, run "
                    f"sbkube-ci prepare --update {name})"
                )
            store_archive(chart_store(ctx), digest, archive, f"{where}: {safe_url(url)}")
            return digest
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
