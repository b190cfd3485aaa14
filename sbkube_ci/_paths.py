"""Paths from the configuration stay inside the project directory, symlinks resolved.

A values file, manifest, chart or kustomize directory named in sbkube.yaml is read and its
content may end up in a PR comment; a path or a symlink leading out of the project would let
a pull request publish any file of the CI runner (``/etc/passwd``, ``~/.ssh``, another job's
secrets). ``validate`` reports these at FILE:LINE (``config/checks.py``); the stages check
again when they read, because a symlink can appear after validation (a fetched chart).
"""

from __future__ import annotations

import os
from pathlib import Path

_GLOB = frozenset("*?[")


def is_glob(text: str) -> bool:
    return any(char in _GLOB for char in text)


def inside(base: Path, path: Path) -> bool:
    """Whether ``path``, all symlinks resolved, is ``base`` or below it."""
    return path.resolve().is_relative_to(base.resolve())


def escape_problem(base: Path, relative: str) -> str | None:
    """Why ``relative`` (a path or glob from the config) leads outside ``base``, or None.

    A glob is judged by the part before its first wildcard and by every file it matches.
    """
    parts = Path(os.path.expanduser(relative)).parts
    cut = next((i for i, part in enumerate(parts) if is_glob(part)), len(parts))
    fixed = base.joinpath(*parts[:cut])  # an absolute first part replaces base
    if ".." in parts[cut:]:
        return f"{relative} leads outside the project directory ('..' after a wildcard)"
    if not inside(base, fixed):
        return f"{relative} is outside the project directory"
    if cut < len(parts):
        for match in sorted(fixed.glob(str(Path(*parts[cut:])))):
            if not inside(base, match):
                return f"{relative} matches {match.name}, which is outside the project directory"
    return None


def outside_links(directory: Path, base: Path) -> list[Path]:
    """Symlinks under ``directory`` whose target is outside ``base``, sorted.

    The walk does not follow links to directories, so a loop cannot hang it; a link to a
    directory inside ``base`` is fine and is walked on its own when it is part of the tree.
    Entry types come from the directory listing: one ``scandir`` per directory, no ``lstat``
    per file (a chart holds a few hundred files).
    """
    if not directory.is_dir():
        return []
    found: list[Path] = []
    root = base.resolve()
    pending = [os.fspath(directory)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    if not Path(entry.path).resolve().is_relative_to(root):
                        found.append(Path(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
    return sorted(found)


def link_problem(base: Path, relative: str) -> str | None:
    """Why the directory ``relative`` names holds a symlink that leads out of ``base``."""
    directory = base / os.path.expanduser(relative)
    links = outside_links(directory, base) if directory.is_dir() else []
    if not links:
        return None
    shown = links[0].relative_to(directory).as_posix()
    more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
    return (
        f"{relative} holds a symlink {shown}{more} that points outside the project directory; "
        "replace it with the file itself"
    )
