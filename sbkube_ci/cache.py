"""A content-addressed store under ``WorkDir.cache`` (``.sbkube/cache`` or ``$SBKUBE_CACHE_DIR``).

Entries are immutable: a writer fills a private temp directory and renames it into place, so
concurrent writers of the same key never corrupt an entry (the loser's rename fails and its
copy is dropped; both copies have the same content by construction).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


class ContentStore:
    """Directories keyed by a digest, in one namespace (``charts``, ``renders``, ...)."""

    def __init__(self, root: Path, namespace: str) -> None:
        self.root = root / namespace

    def path(self, key: str) -> Path:
        algo, _, hexdigest = key.partition(":")
        name = hexdigest or algo
        return self.root / name[:2] / name

    def get(self, key: str) -> Path | None:
        path = self.path(key)
        return path if path.is_dir() else None

    def put(self, key: str, fill: Callable[[Path], None]) -> Path:
        """The entry for ``key``, created by ``fill(tmpdir)`` if missing; atomic."""
        final = self.path(key)
        if final.is_dir():
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name[:12]}."))
        try:
            fill(tmp)
            try:
                tmp.rename(final)
            except OSError:
                if not final.is_dir():  # a real failure, not a lost race
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return final
