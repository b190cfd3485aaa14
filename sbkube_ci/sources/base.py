"""The protocol every source kind implements, and the values they produce.

``prepare`` resolves each app's source to a ``Pin`` (what ``sbkube.lock`` records) and
fetches it into the content-addressed cache, yielding a ``PreparedSource``: a directory that
``build`` copies from (a chart directory for helm apps, a directory of manifests otherwise).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sbkube_ci._helm import helm_binary, isolated_env
from sbkube_ci.config.apps import App
from sbkube_ci.config.loader import Project
from sbkube_ci.progress import Progress

T = TypeVar("T")
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    """What the configuration asks for, known without the network; a lock entry answers it."""

    kind: str
    source: str
    constraint: str = ""


@dataclass(frozen=True)
class Pin:
    """One app's resolved source, exactly reproducible; a row of ``sbkube.lock``."""

    kind: str
    source: str
    digest: str
    version: str | None = None
    resolved_at: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    constraint: str = ""  # the version range, branch or ref the config asked for

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "source": self.source, "digest": self.digest}
        if self.constraint:
            data["constraint"] = self.constraint
        if self.version is not None:
            data["version"] = self.version
        if self.resolved_at:
            data["resolved_at"] = self.resolved_at
        if self.extra:
            data["extra"] = dict(sorted(self.extra.items()))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pin:
        return cls(
            kind=str(data["kind"]),
            source=str(data["source"]),
            digest=str(data["digest"]),
            version=None if data.get("version") is None else str(data["version"]),
            resolved_at=str(data.get("resolved_at", "")),
            extra={str(k): str(v) for k, v in (data.get("extra") or {}).items()},
            constraint=str(data.get("constraint") or ""),
        )

    def answers(self, request: Request) -> bool:
        """Whether this pin was resolved for exactly what ``request`` asks."""
        return (self.kind, self.source, self.constraint) == (
            request.kind,
            request.source,
            request.constraint,
        )

    def same_resolution(self, other: Pin) -> bool:
        """Equal but for the time of resolution."""
        return (
            self.kind,
            self.source,
            self.digest,
            self.version,
            self.extra,
            self.constraint,
        ) == (other.kind, other.source, other.digest, other.version, other.extra, other.constraint)


@dataclass(frozen=True)
class PreparedSource:
    app: str
    pin: Pin
    path: Path


@dataclass
class SourceContext:
    """What sources need besides the app: the project, the cache, helm's isolated dirs."""

    project: Project
    cache_dir: Path
    work_dir: Path  # <project>/.sbkube
    offline: bool = False
    max_download_bytes: int = MAX_DOWNLOAD_BYTES
    timeout: float = 120.0
    progress: Progress = field(default_factory=Progress, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def helm_home(self) -> Path:
        """Helm's own config/cache dirs for sbkube-ci, never the user's."""
        return self.work_dir / "helm"

    def helm_binary(self) -> str:
        """The helm to run (``settings.helm_version``, ``$SBKUBE_HELM``; see ``_helm``)."""
        return helm_binary(self.project.config.settings.helm_version)

    def helm_env(self) -> dict[str, str]:
        """Environment that points helm at sbkube-ci's own dirs and registry config."""
        return isolated_env(self.helm_home)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per run and key (repository indexes, logins), thread-safe."""
        with self._guard:
            if key in self._memo:
                return self._memo[key]  # type: ignore[no-any-return]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._memo:
                    return self._memo[key]  # type: ignore[no-any-return]
            value = compute()
            with self._guard:
                self._memo[key] = value
            return value

    def private_dir(self, name: str) -> Path:
        """A directory under ``.sbkube`` only this user can read (credentials, helpers)."""
        path = self.work_dir / name
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)
        return path


class Source(Protocol):
    """A kind of source (helm repository, OCI, Git, local, HTTP)."""

    def handles(self, app: App) -> bool:
        """Whether this kind is responsible for ``app``."""
        ...

    def request(self, name: str, app: App, ctx: SourceContext) -> Request:
        """What the config asks for (no network): a lock entry is reused when it answers it."""
        ...

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        """Resolve the app's source to an exact pin (may use the network)."""
        ...

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        """Make the pinned content available locally (from cache when present)."""
        ...
