"""The render cache: normalized text keyed by the input digest.

Entries live in the ``renders`` namespace of the content store, so concurrent writers of one
key never corrupt it (the store renames a filled temp directory into place). An entry holds
one file named after the render digest (``<sha256 hex>.yaml``): a warm lookup is one directory
listing, with nothing to parse. Each use touches the entry, which is what
``sbkube-ci cache prune`` reads to find unused entries.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sbkube_ci.cache import ContentStore
from sbkube_ci.render.digest import render_digest

NAMESPACE = "renders"
_MANIFEST = re.compile(r"^([0-9a-f]{64})\.yaml$")


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
            names = os.listdir(entry)
        except OSError:
            return None
        matches = [m for m in map(_MANIFEST.match, names) if m]
        if len(matches) != 1:
            return None
        with contextlib.suppress(OSError):  # a concurrent prune; the listing was read already
            os.utime(entry)
        return CachedRender(entry / matches[0].group(0), "sha256:" + matches[0].group(1))

    def put(self, input_digest: str, text: str) -> CachedRender:
        """Store a render (a no-op when an equal entry exists); returns the entry."""
        digest = render_digest(text)
        name = digest.removeprefix("sha256:") + ".yaml"

        def fill(directory: Path) -> None:
            (directory / name).write_text(text, encoding="utf-8")

        existing = self._store.get(input_digest)
        if existing is not None and self.get(input_digest) is None:
            shutil.rmtree(existing, ignore_errors=True)  # damaged: replace it
        entry = self._store.put(input_digest, fill)
        found = self.get(input_digest)
        return found or CachedRender(entry / name, digest)
