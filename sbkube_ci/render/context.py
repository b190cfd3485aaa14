"""What every render step shares during one run (no module-level state)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sbkube_ci.config.loader import Project
from sbkube_ci.render.values import ValuesFiles
from sbkube_ci.workdir import WorkDir


@dataclass
class RenderContext:
    """The project, the work directories and the per-run memos of files read."""

    project: Project
    work: WorkDir
    cache_dir: Path  # read once per run: ``WorkDir.cache`` follows $SBKUBE_CACHE_DIR
    max_workers: int
    values_files: ValuesFiles = field(default_factory=ValuesFiles)
    # Charts' files by source, read once per run: many apps share a few charts.
    source_files: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    # Built charts by build input: (store entry, its files, tree digest).
    builds: dict[str, tuple[Path, list[str], str]] = field(default_factory=dict)

    @classmethod
    def for_project(cls, project: Project, max_workers: int | None = None) -> RenderContext:
        settings = project.config.settings
        workers = max_workers or settings.max_workers or os.cpu_count() or 1
        if not settings.parallel and max_workers is None:
            workers = 1
        work = WorkDir(project.base_dir)
        return cls(project, work, work.cache, max(1, workers))

    def display(self, path: Path) -> str:
        """``path`` relative to the project when it is inside it."""
        try:
            return path.relative_to(self.project.base_dir).as_posix()
        except ValueError:
            return str(path)
