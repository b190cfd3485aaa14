"""--changed-since: apps whose inputs changed since a Git ref, plus their dependants."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sbkube_ci.config import Project, load_project
from sbkube_ci.errors import ConfigError
from sbkube_ci.render import render_project
from sbkube_ci.render.changes import changed_apps
from tests.render.conftest import CHART_FILES

SBKUBE_YAML = """
    apiVersion: sbkube/v1
    apps:
      base:
        type: yaml
        manifests: [manifests/base.yaml]
      api:
        type: helm
        chart: ./charts/app
        values: [values/api.yaml]
        depends_on: [base]
      worker:
        type: helm
        chart: ./charts/app
        values: [values/worker.yaml]
      frontend:
        type: helm
        chart: ./charts/app
        depends_on: [worker]
      edge:
        type: yaml
        manifests: [manifests/edge.yaml]
        depends_on: [frontend]
"""

PROJECT = {
    **CHART_FILES,
    "values/api.yaml": "replicas: 1\n",
    "values/worker.yaml": "replicas: 1\n",
    "manifests/base.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: base}\n",
    "manifests/edge.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edge}\n",
    "sbkube.yaml": SBKUBE_YAML,
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def committed(make_project: Callable[[dict[str, str]], Project]) -> Project:
    project = make_project(PROJECT)
    root = project.base_dir
    (root / ".gitignore").write_text(".sbkube/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    return project


def test_values_change_selects_the_app_and_its_dependants(committed: Project) -> None:
    root = committed.base_dir
    (root / "values/worker.yaml").write_text("replicas: 2\n")
    assert changed_apps(load_project(root), "HEAD") == {"worker", "frontend", "edge"}


def test_nothing_changed(committed: Project) -> None:
    assert changed_apps(committed, "HEAD") == set()


def test_config_entry_change_is_detected(committed: Project) -> None:
    root = committed.base_dir
    text = (root / "sbkube.yaml").read_text()
    (root / "sbkube.yaml").write_text(text.replace("values: [values/api.yaml]", "values: []"))
    assert changed_apps(load_project(root), "HEAD") == {"api"}


def test_chart_and_new_files_are_detected(committed: Project) -> None:
    root = committed.base_dir
    (root / "charts/app/templates/new.yaml").write_text("# untracked\n")
    assert changed_apps(committed, "HEAD") == {"api", "worker", "frontend", "edge"}


def test_committed_changes_since_an_older_ref(committed: Project) -> None:
    root = committed.base_dir
    (root / "manifests/base.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: base2}\n"
    )
    git(root, "commit", "-q", "-am", "base changes")
    assert changed_apps(committed, "HEAD") == set()
    assert changed_apps(committed, "HEAD~1") == {"base", "api"}


def test_cluster_section_change_selects_everything(committed: Project) -> None:
    root = committed.base_dir
    with (root / "sbkube.yaml").open("a") as fh:
        fh.write("clusters:\n  prod: {kube_version: '1.33.0'}\n")
    assert changed_apps(load_project(root), "HEAD") == set(committed.config.apps)


def test_one_apps_settings_on_a_cluster_select_that_app_only(committed: Project) -> None:
    root = committed.base_dir
    with (root / "sbkube.yaml").open("a") as fh:
        fh.write(
            "clusters:\n  prod:\n    apps:\n      worker: {values: [values/prod-worker.yaml]}\n"
        )
    (root / "values/prod-worker.yaml").write_text("replicas: 3\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "prod values for worker")
    config = (root / "sbkube.yaml").read_text()

    (root / "sbkube.yaml").write_text(config + "      api: {set_values: {replicas: 4}}\n")
    assert changed_apps(load_project(root), "HEAD") == {"api"}
    (root / "sbkube.yaml").write_text(config)
    (root / "values/prod-worker.yaml").write_text("replicas: 5\n")
    assert changed_apps(load_project(root), "HEAD") == {"worker", "frontend", "edge"}


def test_unknown_ref_is_one_line_error(committed: Project) -> None:
    with pytest.raises(ConfigError, match="--changed-since nope: not a commit"):
        changed_apps(committed, "nope")


def test_only_changed_apps_render(committed: Project, helm_calls: Callable[[], list[str]]) -> None:
    root = committed.base_dir
    render_project(committed)
    (root / "values/api.yaml").write_text("replicas: 5\n")
    project = load_project(root)
    selected = sorted(changed_apps(project, "HEAD"))
    assert selected == ["api"]
    before = len(helm_calls())
    result = render_project(project, apps=selected)
    assert list(result.apps) == [("default", "api")]
    assert len(helm_calls()) == before + 1
    # the other apps' renders are kept when only some apps render
    assert (root / ".sbkube/rendered/default/worker.yaml").exists()


def test_a_ref_that_is_a_git_option_writes_nothing(committed: Project, tmp_path: Path) -> None:
    target = tmp_path / "written-by-git-diff"
    with pytest.raises(ConfigError, match=r"^--changed-since --output=.*: refused: it starts"):
        changed_apps(committed, f"--output={target}")
    assert not target.exists()
