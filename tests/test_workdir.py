"""Every path under ``.sbkube`` comes from ``WorkDir``, and one check keeps it confined."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.workdir import CACHE_ENV, RELATIVE, WorkDir


def test_paths_under_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    work = WorkDir(tmp_path)
    root = tmp_path / ".sbkube"
    assert work.root == root
    assert work.helm == root / "helm"
    assert work.build("api") == root / "build" / "api"
    assert work.rendered("prod") == root / "rendered" / "prod"
    assert work.cache == root / "cache"
    assert work.state_git("abc") == root / "state-git" / "abc"
    assert work.checks("prod") == root / "checks" / "prod.json"
    assert work.plan == root / "plan.json"
    assert work.lock("prod") == root / "locks" / "prod.json"


def test_relative_defaults_name_the_documented_places() -> None:
    assert RELATIVE.plan == Path(".sbkube/plan.json")


def test_the_cache_may_live_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "shared"))
    assert WorkDir(tmp_path / "project").cache == (tmp_path / "shared").resolve()


def test_a_clean_or_missing_work_dir_is_fine(tmp_path: Path) -> None:
    assert WorkDir(tmp_path).problem() is None
    (tmp_path / ".sbkube" / "rendered" / "prod").mkdir(parents=True)
    (tmp_path / ".sbkube" / "rendered" / "latest").symlink_to(tmp_path / ".sbkube" / "rendered")
    assert WorkDir(tmp_path).problem() is None  # a link inside .sbkube is harmless


def test_a_link_out_of_the_work_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".sbkube").mkdir()
    (tmp_path / ".sbkube" / "rendered").symlink_to("/etc")
    assert WorkDir(tmp_path).problem() == (
        ".sbkube/rendered is a symlink that points outside .sbkube/; sbkube-ci writes and "
        "deletes there, remove the link"
    )


def test_the_work_dir_itself_may_not_be_a_link(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".sbkube").symlink_to(tmp_path / "elsewhere")
    problem = WorkDir(tmp_path).problem()
    assert problem is not None
    assert problem.startswith(".sbkube is a symlink")
