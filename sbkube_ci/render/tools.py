"""Versions of helm and kubectl, asked once and remembered per binary.

The version is part of every input digest, so a warm run needs it too; keying the remembered
answer by the binary's path, size and mtime lets a warm run skip even ``helm version``.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from sbkube_ci import _proc
from sbkube_ci._files import write_atomic
from sbkube_ci.errors import RenderError

VERSIONS_FILE = "tool-versions.json"


class ToolVersions:
    """A small JSON file in the cache directory: binary identity -> version string."""

    def __init__(self, cache_dir: Path) -> None:
        self._file = cache_dir / VERSIONS_FILE
        self._lock = threading.Lock()
        self._memo: dict[str, str] = {}

    def binary(self, name: str) -> str:
        """The absolute path of ``name`` on PATH; a ``RenderError`` when it is missing."""
        found = shutil.which(name, path=_proc.with_tools_dir(dict(os.environ))["PATH"])
        if found is None:
            raise RenderError(f"{name}: not found on PATH; run `make bootstrap` or install {name}")
        return os.path.abspath(found)

    def version(self, name: str, ask: Callable[[str], str]) -> str:
        """The version of binary ``name``; ``ask(path)`` runs it only when not remembered."""
        if name in self._memo:  # the binary does not change during a run
            return self._memo[name]
        path = self.binary(name)
        stat = os.stat(path)
        key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
        with self._lock:
            if key in self._memo:
                return self._memo[key]
            known = self._load()
            if key not in known:
                known[key] = ask(path)
                write_atomic(self._file, json.dumps(known, indent=1, sort_keys=True) + "\n")
            self._memo[key] = self._memo[name] = known[key]
            return known[key]

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
