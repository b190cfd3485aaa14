"""Small file helpers: writes are atomic (temp name, then rename) so nothing is half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path


def copy_atomic(source: Path, path: Path) -> None:
    """Copy ``source`` to ``path`` through a temp file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_dir(new: Path, path: Path) -> None:
    """Put directory ``new`` at ``path``, replacing what was there, with renames only.

    When another process puts its directory at ``path`` between our two renames, its copy
    stays and ours is dropped (both were built from the same input).
    """
    old = path.with_name(f".{path.name}.old.{os.getpid()}.{threading.get_ident()}")
    with contextlib.suppress(FileNotFoundError):
        path.rename(old)
    try:
        new.rename(path)
    except OSError:
        if not path.is_dir():
            raise
        shutil.rmtree(new, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def read_first_line(path: Path) -> str:
    """The first line of ``path`` without its newline, or "" when it cannot be read."""
    try:
        with path.open("r", encoding="utf-8") as fh:
            return fh.readline().rstrip("\n")
    except (OSError, UnicodeDecodeError):
        return ""
