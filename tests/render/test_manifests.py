"""Which files a manifest app renders from its prepared source."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.config.apps import GitApp, HttpApp, YamlApp
from sbkube_ci.errors import RenderError
from sbkube_ci.render.manifests import manifest_files
from tests.support.projects import write_files

FILES = {
    "deploy/a.yaml": "kind: A\n",
    "deploy/sub/b.yml": "kind: B\n",
    "deploy/README.md": "not a manifest\n",
    "other/c.yaml": "kind: C\n",
}


def _names(files: list[Path], root: Path) -> list[str]:
    return [f.relative_to(root).as_posix() for f in files]


def test_yaml_app_files_globs_and_directories(tmp_path: Path) -> None:
    write_files(tmp_path, FILES, dedent=True)
    app = YamlApp(type="yaml", manifests=["other/c.yaml", "deploy", "deploy/*.yaml"])
    assert _names(manifest_files("m", app, tmp_path), tmp_path) == [
        "other/c.yaml",
        "deploy/a.yaml",
        "deploy/sub/b.yml",
    ]
    missing = YamlApp(type="yaml", manifests=["nothing/*.yaml"])
    with pytest.raises(RenderError, match=r"apps\.m\.manifests\[0\]: nothing/\*\.yaml matches"):
        manifest_files("m", missing, tmp_path)


def test_git_app_renders_the_yaml_under_its_path(tmp_path: Path) -> None:
    write_files(tmp_path, FILES, dedent=True)
    app = GitApp(type="git", repo="https://git.example/x.git", path="deploy")
    assert _names(manifest_files("g", app, tmp_path), tmp_path) == [
        "deploy/a.yaml",
        "deploy/sub/b.yml",
    ]


def test_http_app_renders_the_downloaded_file(tmp_path: Path) -> None:
    write_files(tmp_path, FILES, dedent=True)
    app = HttpApp(type="http", url="https://example.com/c.yaml", dest="other/c.yaml")
    assert _names(manifest_files("h", app, tmp_path), tmp_path) == ["other/c.yaml"]
    assert _names(manifest_files("h", app, tmp_path / "deploy/a.yaml"), tmp_path) == [
        "deploy/a.yaml"
    ]
