"""The local backend: a directory, for demos and single-machine use.

CAS comes from an ``fcntl`` lock held around each check-and-write, and every write goes to a
temp file that is renamed into place, so a reader never sees half a file and a killed writer
leaves the previous version intact. The version of a key is the sha256 of its bytes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sbkube_ci._files import write_atomic
from sbkube_ci.config.loader import Project
from sbkube_ci.errors import StateError
from sbkube_ci.state.base import Conflict, KeyByKeyStore, Versioned

_LOCK_NAME = ".sbkube-state.lock"


class LocalStore(KeyByKeyStore):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = str(root)

    @classmethod
    def from_project(cls, project: Project) -> LocalStore:
        path = project.config.state.local.path  # validate refuses one outside the project
        return cls(project.inside(path, "state.local.path", StateError))

    def _path(self, key: str) -> Path:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"state key {key!r} escapes the store")
        return self.root / key

    def get(self, key: str) -> Versioned | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        return Versioned(data, hashlib.sha256(data).hexdigest())

    def _put_one(self, key: str, data: bytes, expect: str | None) -> str:
        path = self._path(key)
        with self._exclusive():
            current = self.get(key)
            if (current.version if current else None) != expect:
                raise Conflict(f"{self.description}/{key}: changed since it was read")
            write_atomic(path, data, durable=True)
        return hashlib.sha256(data).hexdigest()

    def list_keys(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        return sorted(k for k in keys if k.startswith(prefix))

    def warnings(self, *, online: bool) -> list[str]:
        if os.environ.get("CI"):
            return [
                f"state.backend: local keeps state in {self.root}, which CI jobs do not share; "
                "use backend git or s3 so plans, locks and history survive the job"
            ]
        return []

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / _LOCK_NAME).open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
