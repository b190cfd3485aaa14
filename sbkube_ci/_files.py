"""Atomic file writes: a temp file beside the target, then a rename, so nothing is half-written.

A reader sees the old content or the new, never a mix; a killed writer leaves the old file and
at most a hidden ``.<name>.*.tmp`` beside it (removed when the write fails in-process).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(
    path: Path, data: str | bytes, *, mode: int | None = None, durable: bool = False
) -> None:
    """Write ``data`` (text as UTF-8, newlines as given) to ``path`` via a temp file and rename.

    ``mode`` sets the permissions before the rename (the temp file starts as 0600);
    ``durable`` fsyncs the data first, for files that must survive a crash (state).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
