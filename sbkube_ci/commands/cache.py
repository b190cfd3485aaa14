"""``sbkube-ci cache prune``: remove cache entries not used recently.

The cache is ``<namespace>/<xx>/<digest>/`` directories (see ``sbkube_ci.cache``); using an
entry touches its directory, so its mtime is its last use.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import click

from sbkube_ci.config.types import duration_seconds
from sbkube_ci.errors import ConfigError
from sbkube_ci.workdir import WorkDir


@dataclass
class PruneReport:
    removed: int = 0
    kept: int = 0
    freed_bytes: int = 0


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s`` or plain seconds, as seconds."""
    seconds = duration_seconds(text, units="wdhms")
    if seconds is None:
        raise ConfigError(f"--max-age {text}: not a duration; write 30d, 12h, 90m or seconds")
    return seconds


def prune_cache(root: Path, *, max_age: float, everything: bool, now: float) -> PruneReport:
    """Remove entries last used more than ``max_age`` seconds ago (all with ``everything``)."""
    report = PruneReport()
    if not root.is_dir():
        return report
    for entry in _entries(root):
        if everything or entry.stat().st_mtime < now - max_age:
            report.freed_bytes += _size(entry)
            shutil.rmtree(entry, ignore_errors=True)
            report.removed += 1
        else:
            report.kept += 1
    if everything:
        for file in root.iterdir():
            if file.is_file():
                file.unlink(missing_ok=True)
    return report


def prune(
    chdir: Path,
    file: Path | None = None,
    *,
    max_age: str,
    everything: bool,
    output_format: str = "text",
) -> int:
    """Prune the cache of the project in ``chdir`` (or ``file``'s directory); print a report."""
    project_dir = (chdir / file).parent if file is not None else chdir
    root = WorkDir(project_dir.resolve()).cache
    if root.is_relative_to(project_dir.resolve()) and (why := WorkDir(project_dir).problem()):
        raise ConfigError(f"{project_dir}/{why}")
    report = prune_cache(root, max_age=parse_age(max_age), everything=everything, now=time.time())
    if output_format == "json":
        click.echo(json.dumps({"cache": str(root), **dataclasses.asdict(report)}))
        return 0
    scope = "all entries" if everything else f"entries unused for {max_age}"
    click.echo(
        f"removed {report.removed} cache entries ({report.freed_bytes / 1048576:.1f} MiB; "
        f"{scope}), kept {report.kept}, in {root}"
    )
    return 0


def _entries(root: Path) -> list[Path]:
    """Entry directories ``<namespace>/<shard>/<entry>`` (and temp ones a crash left).

    Symlinks are never followed: a link in the cache must not make prune delete elsewhere.
    """
    found = []
    for namespace in _real_dirs(root):
        for shard in _real_dirs(namespace):
            found += _real_dirs(shard)
    return found


def _real_dirs(directory: Path) -> list[Path]:
    return [e for e in directory.iterdir() if e.is_dir() and not e.is_symlink()]


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
