"""Chart archives in the content store: unpacked once, found again by digest."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sbkube_ci.cache import ContentStore
from sbkube_ci.errors import SourceError
from sbkube_ci.sources.archive import extract_tgz
from sbkube_ci.sources.base import SourceContext

ARCHIVE = "chart.tgz"
UNPACKED = "chart"


def chart_store(ctx: SourceContext, namespace: str = "charts") -> ContentStore:
    return ContentStore(ctx.cache_dir, namespace)


def staging_dir(ctx: SourceContext) -> Path:
    """A fresh temp dir inside the cache (same filesystem, so renames are atomic)."""
    root = ctx.cache_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))


def chart_dir(entry: Path, where: str) -> Path:
    """The chart directory inside a store entry: the archive's one top-level dir."""
    unpacked = entry / UNPACKED
    tops = (
        [p for p in unpacked.iterdir() if (p / "Chart.yaml").is_file()] if unpacked.is_dir() else []
    )
    if len(tops) != 1:
        raise SourceError(f"{where}: the chart archive has no single top-level chart directory")
    return tops[0]


def cached_chart(store: ContentStore, key: str, where: str) -> Path | None:
    entry = store.get(key)
    return chart_dir(entry, where) if entry is not None else None


def store_archive(store: ContentStore, key: str, archive: Path, where: str) -> Path:
    """Unpack ``archive`` (checked member by member) into the entry ``key``; its chart dir."""

    def fill(tmp: Path) -> None:
        extract_tgz(archive, tmp / UNPACKED, what=where)
        shutil.copyfile(archive, tmp / ARCHIVE)
        chart_dir(tmp, where)  # refuse archives that are not charts before they are stored

    return chart_dir(store.put(key, fill), where)
