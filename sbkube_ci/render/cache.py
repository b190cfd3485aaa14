"""The render cache: normalized text and its digest, keyed by the input digest.

Entries live in the ``renders`` namespace of the content store, so concurrent writers of one
key never corrupt it (the store renames a filled temp directory into place). Each use touches
the entry, which is what ``sbkube-ci cache prune`` reads to find unused entries.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sbkube_ci.cache import ContentStore

NAMESPACE = "renders"
MANIFEST = "manifest.yaml"
META = "meta.json"


@dataclass(frozen=True)
class CachedRender:
    manifest: Path
    render_digest: str


class RenderCache:
    def __init__(self, cache_dir: Path) -> None:
        self._store = ContentStore(cache_dir, NAMESPACE)

    def get(self, input_digest: str) -> CachedRender | None:
        """The entry for ``input_digest``, touched as used; None when missing or damaged."""
        entry = self._store.get(input_digest)
        if entry is None:
            return None
        try:
            meta = json.loads((entry / META).read_text(encoding="utf-8"))
            render_digest = str(meta["render_digest"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not (entry / MANIFEST).is_file():
            return None
        with contextlib.suppress(OSError):  # a concurrent prune; the content was read already
            os.utime(entry)
        return CachedRender(entry / MANIFEST, render_digest)

    def put(self, input_digest: str, text: str, render_digest: str) -> CachedRender:
        """Store a render (a no-op when an equal entry exists)."""

        def fill(directory: Path) -> None:
            (directory / MANIFEST).write_text(text, encoding="utf-8")
            meta = {"render_digest": render_digest, "input_digest": input_digest}
            (directory / META).write_text(json.dumps(meta) + "\n", encoding="utf-8")

        damaged = self._store.get(input_digest)
        if damaged is not None and self.get(input_digest) is None:
            shutil.rmtree(damaged, ignore_errors=True)
        entry = self._store.put(input_digest, fill)
        return CachedRender(entry / MANIFEST, render_digest)
