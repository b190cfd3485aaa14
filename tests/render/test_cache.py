"""The render cache: keyed by input digest, safe under concurrent writers, touched on use."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sbkube_ci.render.cache import RenderCache
from sbkube_ci.render.digest import render_digest

KEY = "sha256:" + "ab" * 32


def test_put_then_get(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    assert cache.get(KEY) is None
    text = "---\nkind: ConfigMap\n"
    cache.put(KEY, text)
    entry = cache.get(KEY)
    assert entry is not None
    assert entry.manifest.read_text() == text
    assert entry.render_digest == render_digest(text)


def test_concurrent_writers_leave_one_whole_entry(tmp_path: Path) -> None:
    text = "---\n" + "data: x\n" * 20000

    def write(_: int) -> str:
        return RenderCache(tmp_path).put(KEY, text).manifest.read_text()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, range(16)))
    assert all(r == text for r in results)
    shard = tmp_path / "renders" / "ab"
    assert [p.name for p in shard.iterdir()] == ["ab" * 32]  # no temp directories left
    entry = RenderCache(tmp_path).get(KEY)
    assert entry is not None
    assert entry.manifest.read_text() == text


def test_damaged_entry_is_replaced(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    cache.put(KEY, "a")
    entry = tmp_path / "renders" / "ab" / ("ab" * 32)
    (entry / ("cd" * 32 + ".yaml")).write_text("a second render makes the entry ambiguous")
    assert cache.get(KEY) is None
    cache.put(KEY, "b")
    entry = cache.get(KEY)
    assert entry is not None
    assert entry.manifest.read_text() == "b"


def test_use_touches_the_entry(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    cache.put(KEY, "a")
    directory = tmp_path / "renders" / "ab" / ("ab" * 32)
    old = time.time() - 86400 * 40
    os.utime(directory, (old, old))
    cache.get(KEY)
    assert directory.stat().st_mtime > time.time() - 60
