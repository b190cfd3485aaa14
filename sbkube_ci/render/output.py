"""``.sbkube/rendered/<cluster>/``: one normalized file per app, and an index of digests.

The index (``index.json``) records each app's input digest, render digest and the file's size
and mtime, so a warm run recognises an up-to-date file with one ``stat`` and writes nothing.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from sbkube_ci._files import write_atomic
from sbkube_ci.render.files import copy_atomic

INDEX = "index.json"


class RenderedDir:
    """The rendered files of one cluster."""

    def __init__(self, path: Path) -> None:
        self.path = path  # ``WorkDir.rendered(cluster)``
        self._lock = threading.Lock()
        self._index = self._load()
        self._dirty = False

    def file(self, app: str) -> Path:
        return self.path / f"{app}.yaml"

    def up_to_date(self, app: str, input_digest: str, render_digest: str) -> bool:
        """Whether ``<app>.yaml`` holds this render already (and nobody touched it)."""
        entry = self._index.get(app)
        if not isinstance(entry, dict) or entry.get("input_digest") != input_digest:
            return False
        if entry.get("render_digest") != render_digest:
            return False
        try:
            stat = self.file(app).stat()
        except OSError:
            return False
        return bool(entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns)

    def write(self, app: str, input_digest: str, render_digest: str, source: Path | str) -> Path:
        """Write ``<app>.yaml`` atomically from a cached file or from text; record it."""
        target = self.file(app)
        if isinstance(source, Path):
            copy_atomic(source, target)
        else:
            write_atomic(target, source)
        stat = target.stat()
        with self._lock:
            self._index[app] = {
                "input_digest": input_digest,
                "render_digest": render_digest,
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
            }
            self._dirty = True
        return target

    def remove_except(self, keep: set[str]) -> list[str]:
        """Delete the files and index entries of apps not in ``keep`` (removed or disabled)."""
        removed = []
        if self.path.is_dir():
            for file in self.path.glob("*.yaml"):
                if file.stem not in keep:
                    file.unlink(missing_ok=True)
                    removed.append(file.stem)
        with self._lock:
            for app in [a for a in self._index if a not in keep]:
                del self._index[app]
                self._dirty = True
        return sorted(removed)

    def forget(self, app: str) -> None:
        """Delete ``<app>.yaml``: after a failure an old render must not pass for a new one."""
        self.file(app).unlink(missing_ok=True)
        with self._lock:
            if self._index.pop(app, None) is not None:
                self._dirty = True

    def save(self) -> None:
        if self._dirty:
            text = json.dumps(self._index, indent=1, sort_keys=True) + "\n"
            write_atomic(self.path / INDEX, text)
            self._dirty = False

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
