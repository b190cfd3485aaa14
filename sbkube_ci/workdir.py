"""``<project>/.sbkube``: every path sbkube-ci writes in the project, named in one place.

Helm's homes, built charts, renders, the cache, the state-git clone, check results, the plan and
lock handles all live here; ``problem()`` is the one confinement check that keeps a pull request
from turning this directory into a way to write or delete outside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WORK_DIR = ".sbkube"
CACHE_ENV = "SBKUBE_CACHE_DIR"


@dataclass(frozen=True)
class WorkDir:
    """The working directory of the project at ``project_dir``."""

    project_dir: Path

    @property
    def root(self) -> Path:
        return self.project_dir / WORK_DIR

    @property
    def helm(self) -> Path:
        """Helm's own config, cache and data homes for sbkube-ci, never the user's."""
        return self.root / "helm"

    @property
    def builds(self) -> Path:
        return self.root / "build"

    def build(self, app: str) -> Path:
        """The chart of ``app`` with its overrides, as ``build`` left it."""
        return self.builds / app

    @property
    def renders(self) -> Path:
        return self.root / "rendered"

    def rendered(self, cluster: str) -> Path:
        """The rendered files of ``cluster``, one per app."""
        return self.renders / cluster

    @property
    def cache(self) -> Path:
        """The content-addressed cache: ``$SBKUBE_CACHE_DIR`` or ``.sbkube/cache``."""
        configured = os.environ.get(CACHE_ENV)
        return Path(configured).expanduser().resolve() if configured else self.root / "cache"

    def state_git(self, key: str) -> Path:
        """The clone of a Git state branch (``key`` names remote and branch)."""
        return self.root / "state-git" / key

    def checks(self, cluster: str) -> Path:
        """The static check results of ``cluster``, reused while an app's input is unchanged."""
        return self.root / "checks" / f"{cluster}.json"

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    def lock(self, cluster: str) -> Path:
        """The handle ``lock acquire`` leaves for a later ``release`` in the same job."""
        return self.root / "locks" / f"{cluster}.json"

    def problem(self, depth: int = 3) -> str | None:
        """Why ``.sbkube`` cannot be written and pruned safely: a symlink leading out.

        sbkube-ci writes, replaces and deletes under ``.sbkube/`` (renders, builds, locks, the
        cache). A pull request can commit ``.sbkube/rendered`` as a symlink to ``/etc``; then
        deleting a stale render would delete there. The first ``depth`` levels are checked:
        every directory sbkube-ci deletes in is that shallow.
        """
        work = self.root
        if work.is_symlink():
            return f"{WORK_DIR} is a symlink; it is sbkube-ci's working directory, remove the link"
        root = work.resolve()
        level = [os.fspath(work)] if work.is_dir() else []
        for _ in range(depth):
            below: list[str] = []
            for directory in level:
                with os.scandir(directory) as entries:  # types from the listing: no stat each
                    for entry in entries:
                        link = Path(entry.path) if entry.is_symlink() else None
                        if link is not None and not link.resolve().is_relative_to(root):
                            shown = link.relative_to(self.project_dir).as_posix()
                            return (
                                f"{shown} is a symlink that points outside {WORK_DIR}/; "
                                "sbkube-ci writes and deletes there, remove the link"
                            )
                        if entry.is_dir(follow_symlinks=False):
                            below.append(entry.path)
            level = below
        return None


#: the working directory relative to where sbkube-ci runs: defaults of CLI options and inputs
RELATIVE = WorkDir(Path())


def work_dir_problem(base: Path, depth: int = 3) -> str | None:
    """``WorkDir(base).problem(depth)``."""
    return WorkDir(base).problem(depth)
