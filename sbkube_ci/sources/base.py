"""The protocol every source kind implements, and the values they produce.

``prepare`` resolves each app's source to a ``Pin`` (what ``sbkube.lock`` records) and
fetches it into the content-addressed cache, yielding a ``PreparedSource``: a directory that
``build`` copies from (a chart directory for helm apps, a directory of manifests otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sbkube_ci.config.apps import App
from sbkube_ci.config.loader import Project


@dataclass(frozen=True)
class Pin:
    """One app's resolved source, exactly reproducible; a row of ``sbkube.lock``."""

    kind: str
    source: str
    digest: str
    version: str | None = None
    resolved_at: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "source": self.source, "digest": self.digest}
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
        )

    def same_resolution(self, other: Pin) -> bool:
        """Equal but for the time of resolution."""
        return (self.kind, self.source, self.digest, self.version, self.extra) == (
            other.kind,
            other.source,
            other.digest,
            other.version,
            other.extra,
        )


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

    @property
    def helm_home(self) -> Path:
        """Helm's own config/cache dirs for sbkube-ci, never the user's."""
        return self.work_dir / "helm"


class Source(Protocol):
    """A kind of source (helm repository, OCI, Git, local, HTTP)."""

    def handles(self, app: App) -> bool:
        """Whether this kind is responsible for ``app``."""
        ...

    def resolve(self, name: str, app: App, ctx: SourceContext) -> Pin:
        """Resolve the app's source to an exact pin (may use the network)."""
        ...

    def fetch(self, name: str, app: App, pin: Pin, ctx: SourceContext) -> Path:
        """Make the pinned content available locally (from cache when present)."""
        ...
