"""Files the config names: inside the project (symlinks too), and existing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from sbkube_ci._paths import escape_problem, link_problem
from sbkube_ci._yaml import Document, PathKey, display_path
from sbkube_ci.config.problems import Problem, problem_at


class FileChecks:
    """Checks of the files a config names, inside ``base_dir``: each distinct file once.

    Hundreds of apps often name one chart; its directory is walked for symlinks once per
    load, not once per app.
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self._found: dict[tuple[str, bool], str | None] = {}

    def problems(
        self, doc: Document, path: PathKey, rel: str, *, chart: bool = False
    ) -> Iterator[Problem]:
        """A file the config names: inside the project (symlinks too), and existing."""
        key = (rel, chart)
        if key not in self._found:
            self._found[key] = self._problem(rel, chart)
        if message := self._found[key]:
            yield problem_at(doc, path, message)

    def _problem(self, rel: str, chart: bool) -> str | None:
        base_dir = self.base_dir
        if "://" in rel:
            return None  # a URL (manifests from http) is checked when it is fetched
        if why := escape_problem(base_dir, rel) or link_problem(base_dir, rel):
            return f"{why}; every file sbkube.yaml names must be inside it"
        if _exists(base_dir, rel):
            return None
        # SBKube reads a bare chart name as a local directory; say how to ask for a repo.
        hint = (
            "; a chart from a repository is written repo/chart" if chart and "/" not in rel else ""
        )
        return f"{rel} does not exist (paths are relative to {display_path(base_dir)}){hint}"


def _exists(base_dir: Path, rel: str) -> bool:
    if any(ch in rel for ch in "*?["):
        return os.path.isabs(rel) or any(base_dir.glob(rel))
    return (base_dir / os.path.expanduser(rel)).exists()
