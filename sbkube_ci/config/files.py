"""Files the config names: inside the project (symlinks too), and existing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from sbkube_ci._paths import escape_problem, link_problem
from sbkube_ci._yaml import Document, PathKey, display_path
from sbkube_ci.config.problems import Problem, problem_at


def _missing_file(
    doc: Document, path: PathKey, base_dir: Path, rel: str, hint: str = ""
) -> Problem:
    where = display_path(base_dir)
    return problem_at(doc, path, f"{rel} does not exist (paths are relative to {where}){hint}")


def file_problems(
    doc: Document, path: PathKey, base_dir: Path, rel: str, *, chart: bool = False
) -> Iterator[Problem]:
    """A file the config names: inside the project (symlinks too), and existing."""
    if "://" in rel:
        return  # a URL (manifests from http) is checked when it is fetched
    if why := escape_problem(base_dir, rel) or link_problem(base_dir, rel):
        yield problem_at(doc, path, f"{why}; every file sbkube.yaml names must be inside it")
    elif not _exists(base_dir, rel):
        # SBKube reads a bare chart name as a local directory; say how to ask for a repo.
        bare = chart and "/" not in rel
        hint = "; a chart from a repository is written repo/chart" if bare else ""
        yield _missing_file(doc, path, base_dir, rel, hint)


def _exists(base_dir: Path, rel: str) -> bool:
    if "://" in rel:
        return True  # a URL (manifests from http) is checked when it is fetched
    if any(ch in rel for ch in "*?["):
        return os.path.isabs(rel) or any(base_dir.glob(rel))
    return (base_dir / os.path.expanduser(rel)).exists()
