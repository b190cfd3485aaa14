"""template renders remote charts through sbkube.lock, as prepare does."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.config import load_project
from sbkube_ci.render import render_project
from sbkube_ci.sources.lockfile import LOCK_NAME, read_lock
from sbkube_ci.sources.prepare import LockDrift
from tests.fixtures.chart_repo import ChartRepo


def _project_dir(tmp_path: Path, repo: ChartRepo) -> Path:
    (tmp_path / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\n"
        f"settings:\n  namespace: shop\n  helm_repos:\n    acme: {repo.url}\n"
        "apps:\n  web:\n    type: helm\n    chart: acme/web\n    version: '~1.0'\n"
    )
    return tmp_path


def test_template_locks_then_renders_the_locked_chart(
    chart_repo: ChartRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    chart_repo.add("web", "1.0.0")
    project = load_project(_project_dir(tmp_path, chart_repo))

    first = render_project(project)
    assert read_lock(tmp_path / LOCK_NAME).pins["web"].version == "1.0.0"
    assert [o["kind"] for o in first.apps[("default", "web")].objects] == ["ConfigMap"]

    chart_repo.add("web", "1.0.1")  # a newer match for ~1.0 must not sneak in
    again = render_project(load_project(tmp_path))
    assert again.apps[("default", "web")].pin is not None
    assert again.apps[("default", "web")].pin.version == "1.0.0"  # type: ignore[union-attr]


def test_template_in_ci_refuses_an_unlocked_remote_chart(
    chart_repo: ChartRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    chart_repo.add("web", "1.0.0")
    project = load_project(_project_dir(tmp_path, chart_repo))
    with pytest.raises(LockDrift) as info:
        render_project(project)
    assert "apps.web" in str(info.value)
    assert not (tmp_path / LOCK_NAME).exists()
