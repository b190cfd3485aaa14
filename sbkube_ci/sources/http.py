"""``type: http`` apps: one file downloaded to ``dest``, stored by the sha256 of its content.

Header values may name environment variables (``Authorization: Bearer ${TOKEN}``); they are
expanded when the request is made and never written to the lock or shown in errors.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path, PurePosixPath

from sbkube_ci._urls import safe_url
from sbkube_ci.cache import ContentStore
from sbkube_ci.config.apps import App, HttpApp
from sbkube_ci.errors import SourceError
from sbkube_ci.sources._charts import staging_dir
from sbkube_ci.sources._download import Client
from sbkube_ci.sources.base import Pin, Request, SourceContext

KIND = "http"
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _http_app(name: str, app: App) -> HttpApp:
    if not isinstance(app, HttpApp):
        raise SourceError(f"apps.{name}: not an http app")
    if not app.url.startswith(("https://", "http://")):
        raise SourceError(f"apps.{name}.url: {safe_url(app.url)!r} must start with https://")
    dest = PurePosixPath(app.dest)
    if dest.is_absolute() or ".." in dest.parts or not dest.name:
        raise SourceError(f"apps.{name}.dest: {app.dest!r} must be a relative file path")
    return app


def expand_headers(name: str, headers: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Headers with ``${VAR}`` expanded, and the expanded values (to keep out of messages)."""
    secrets: list[str] = []

    def value(match: re.Match[str]) -> str:
        found = os.environ.get(match.group(1))
        if found is None:
            raise SourceError(
                f"apps.{name}.headers: environment variable {match.group(1)} is not set; "
                "add it as a CI secret"
            )
        secrets.append(found)
        return found

    return {k: _ENV.sub(value, v) for k, v in headers.items()}, secrets


class HttpSource:
    """A single file from an HTTP(S) URL."""

    def handles(self, app: App) -> bool:
        return isinstance(app, HttpApp)

    def request(self, name: str, app: App, ctx: SourceContext) -> Request:
        http_app = _http_app(name, app)
        return Request(KIND, safe_url(http_app.url), http_app.dest)

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        http_app = _http_app(name, app)
        digest = self._download(name, http_app, ctx, expected=None)
        return Pin(KIND, safe_url(http_app.url), digest, constraint=http_app.dest)

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        http_app = _http_app(name, app)
        key = _entry_key(pin.digest, http_app.dest)
        if _store(ctx).get(key) is None:
            self._download(name, http_app, ctx, expected=pin.digest)
        return _store(ctx).path(key)

    def _download(self, name: str, app: HttpApp, ctx: SourceContext, expected: str | None) -> str:
        headers, _ = expand_headers(name, app.headers)
        client = Client(headers=headers, timeout=ctx.timeout)
        tmp = staging_dir(ctx)
        try:
            body = tmp / "body"
            digest = client.download(
                app.url, body, where=f"apps.{name}", max_bytes=ctx.max_download_bytes
            )
            if expected is not None and digest != expected:
                raise SourceError(
                    f"apps.{name}: digest mismatch for {safe_url(app.url)}: sbkube.lock pins "
                    f"{expected}, the server sent {digest}; if the change is intended, run "
                    f"sbkube-ci prepare --update {name}"
                )

            def fill(entry: Path) -> None:
                target = entry / app.dest
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(body, target)

            _store(ctx).put(_entry_key(digest, app.dest), fill)
            return digest
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _store(ctx: SourceContext) -> ContentStore:
    return ContentStore(ctx.cache_dir, KIND)


def _entry_key(digest: str, dest: str) -> str:
    # The prepared dir holds the file under its dest name, so the name is part of the key.
    return "sha256:" + hashlib.sha256(f"{digest}\0{dest}".encode()).hexdigest()
