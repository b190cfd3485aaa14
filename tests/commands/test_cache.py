"""``sbkube-ci cache prune``: entries unused for longer than --max-age go, others stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sbkube_ci.commands.cache import parse_age, prune_cache
from sbkube_ci.errors import ConfigError
from sbkube_ci.render.cache import RenderCache


def _entry(root: Path, namespace: str, name: str, age_days: float) -> Path:
    path = root / namespace / name[:2] / name
    path.mkdir(parents=True)
    (path / "content").write_text("x" * 100)
    when = time.time() - age_days * 86400
    os.utime(path, (when, when))
    return path


def test_prune_removes_old_entries_only(tmp_path: Path) -> None:
    old = _entry(tmp_path, "renders", "aa" * 32, 40)
    fresh = _entry(tmp_path, "charts", "bb" * 32, 2)
    (tmp_path / "tool-versions.json").write_text("{}")
    report = prune_cache(tmp_path, max_age=parse_age("30d"), everything=False, now=time.time())
    assert (report.removed, report.kept) == (1, 1)
    assert report.freed_bytes == 100
    assert not old.exists()
    assert fresh.exists()
    assert (tmp_path / "tool-versions.json").exists()


def test_prune_all(tmp_path: Path) -> None:
    _entry(tmp_path, "renders", "aa" * 32, 0)
    (tmp_path / "tool-versions.json").write_text("{}")
    report = prune_cache(tmp_path, max_age=0, everything=True, now=time.time())
    assert report.removed == 1
    assert not (tmp_path / "tool-versions.json").exists()


def test_an_entry_used_recently_survives(tmp_path: Path) -> None:
    key = "sha256:" + "cc" * 32
    cache = RenderCache(tmp_path)
    cache.put(key, "text")
    entry = tmp_path / "renders" / "cc" / ("cc" * 32)
    long_ago = time.time() - 90 * 86400
    os.utime(entry, (long_ago, long_ago))
    assert cache.get(key) is not None  # use touches it
    report = prune_cache(tmp_path, max_age=parse_age("30d"), everything=False, now=time.time())
    assert report.removed == 0
    assert entry.exists()


def test_parse_age() -> None:
    assert parse_age("30d") == 30 * 86400
    assert parse_age("12h") == 12 * 3600
    assert parse_age("90") == 90
    with pytest.raises(ConfigError, match="--max-age soon: not a duration"):
        parse_age("soon")


def test_prune_command(tmp_path: Path) -> None:
    from tests.commands.test_template import run_cli  # noqa: PLC0415

    old = _entry(tmp_path / ".sbkube/cache", "renders", "aa" * 32, 40)
    result = run_cli("cache", "prune", "-C", str(tmp_path), "--max-age", "30d")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("removed 1 cache entries")
    assert not old.exists()


def test_prune_never_follows_a_symlink_out_of_the_cache(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    victim = _entry(outside, "home", "dd" * 32, 90)  # looks like an old entry
    cache = tmp_path / "project" / ".sbkube" / "cache"
    cache.mkdir(parents=True)
    (cache / "renders").symlink_to(outside / "home", target_is_directory=True)
    report = prune_cache(cache, max_age=0, everything=True, now=time.time())
    assert report.removed == 0
    assert victim.exists()


@pytest.mark.parametrize("link", [".sbkube", ".sbkube/cache", ".sbkube/cache/renders"])
def test_prune_refuses_a_work_dir_that_links_out_of_the_project(tmp_path: Path, link: str) -> None:
    from tests.commands.test_template import run_cli  # noqa: PLC0415

    outside = tmp_path / "outside"
    victim = _entry(outside / "cache" / "renders", "aa", "aa" * 32, 90)
    project = tmp_path / "project"
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    target = outside / Path(link).relative_to(".sbkube") if link != ".sbkube" else outside
    (project / link).symlink_to(target, target_is_directory=True)

    result = run_cli("cache", "prune", "-C", str(project), "--all")

    assert result.returncode == 1, result.stdout
    assert "is a symlink" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert victim.exists()
