"""Checks of ``clusters.<cluster>.apps.<app>``: every mistake at its FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.config.loader import load_project
from tests.support.projects import problem_lines


def _lines(root: Path, text: str) -> list[str]:
    (root / "sbkube.yaml").write_text(text)
    return problem_lines(root)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text("kind: ConfigMap\n")
    return tmp_path


APPS = """\
apiVersion: sbkube/v1
apps:
  db: {type: yaml, manifests: [m.yaml]}
  web: {type: yaml, manifests: [m.yaml], depends_on: [db]}
clusters:
  prod:
    apps:
"""


def test_helm_only_keys_on_another_type(root: Path) -> None:
    lines = _lines(root, APPS + "      web: {set_values: {a: 1}, namespace: Bad_NS}\n")
    assert lines == [
        "sbkube.yaml:8:13: clusters.prod.apps.web.set_values: set_values apply to helm apps "
        "only; this app is type yaml",
        "sbkube.yaml:8:44: clusters.prod.apps.web.namespace: namespace 'Bad_NS' is not a valid "
        "Kubernetes name: use lower-case letters, digits and '-', starting and ending with a "
        "letter or digit",
    ]


def test_missing_values_file_of_an_override(root: Path) -> None:
    text = APPS.replace("yaml, manifests: [m.yaml], dep", "helm, chart: ./c, dep")
    (root / "c").mkdir()
    lines = _lines(root, text + "      web:\n        values: [gone.yaml, {a: 1}]\n")
    assert lines == [
        "sbkube.yaml:9:18: clusters.prod.apps.web.values[0]: gone.yaml does not exist "
        "(paths are relative to .)"
    ]


def test_disabling_a_dependency_on_one_cluster(root: Path) -> None:
    lines = _lines(root, APPS + "      db: {enabled: false}\n")
    assert lines == [
        "sbkube.yaml:8:21: clusters.prod.apps.db.enabled: app 'db' is disabled on cluster prod "
        "but 'web' depends on it there; enable it on this cluster or disable the app that "
        "needs it"
    ]
    assert _lines(root, APPS + "      db: {enabled: false}\n      web: {enabled: false}\n") == []


def test_enabled_on_and_namespace_of(root: Path) -> None:
    (root / "sbkube.yaml").write_text(
        APPS.replace("apps:\n  db", "settings: {namespace: base}\napps:\n  db", 1)
        + "      db: {namespace: data}\n      web: {enabled: false}\n  staging: {namespace: stg}\n"
    )
    config = load_project(root).config
    clusters = config.effective_clusters()
    assert config.enabled_on("web", "staging")
    assert not config.enabled_on("web", "prod")
    assert config.namespace_of("db", clusters["prod"]) == "data"
    assert config.namespace_of("db", clusters["staging"]) == "stg"
    assert set(config.enabled_apps()) == {"db", "web"}


def test_version_and_path_go_where_they_mean_something(root: Path) -> None:
    (root / "c").mkdir()
    text = APPS.replace("yaml, manifests: [m.yaml], dep", "helm, chart: ./c, dep")
    assert _lines(
        root, text + "      web: {version: 2.0.0, path: k}\n      db: {version: 'v1'}\n"
    ) == [
        "sbkube.yaml:8:13: clusters.prod.apps.web.version: ./c is a local chart: its version is "
        "the one in its Chart.yaml; give the app a chart from a repository, OCI registry or Git "
        "to choose a version per cluster",
        "sbkube.yaml:8:29: clusters.prod.apps.web.path: path applies to kustomize and git apps "
        "only; this app is type helm",
        "sbkube.yaml:9:12: clusters.prod.apps.db.version: version applies to helm apps only; "
        "this app is type yaml",
    ]


def test_a_whole_chart_per_cluster_is_another_app(root: Path) -> None:
    assert _lines(root, APPS + "      web: {chart: acme/web}\n") == [
        "sbkube.yaml:8:13: clusters.prod.apps.web.chart: a chart per cluster is another app; "
        "declare one app per chart and enable each on its clusters "
        "(clusters.<c>.apps.<app>.enabled)"
    ]


def test_a_cluster_path_is_checked_like_the_apps_own(root: Path, tmp_path: Path) -> None:
    (root / "base").mkdir()
    (tmp_path.parent / "outside").mkdir(exist_ok=True)
    text = APPS.replace(
        "db: {type: yaml, manifests: [m.yaml]}",
        "db: {type: kustomize, path: base}\n  src: {type: git, repo: https://git.test/r.git}",
    )
    overrides = (
        "      db: {path: gone}\n  staging:\n    apps:\n      db: {path: ../outside}\n"
        "      src: {path: ../up}\n  dev:\n    apps:\n      db: {path: --load-restrictor}\n"
    )
    assert _lines(root, text + overrides) == [
        "sbkube.yaml:9:18: clusters.prod.apps.db.path: gone does not exist (paths are relative "
        "to .)",
        "sbkube.yaml:12:18: clusters.staging.apps.db.path: ../outside is outside the project "
        "directory; every file sbkube.yaml names must be inside it",
        "sbkube.yaml:13:19: clusters.staging.apps.src.path: ../up must be a path inside the "
        "repository, without '..' or a leading /",
        "sbkube.yaml:16:18: clusters.dev.apps.db.path: --load-restrictor does not exist (paths "
        "are relative to .)",
        "sbkube.yaml:16:18: clusters.dev.apps.db.path: refused: it starts with '-' and a tool "
        "would read it as a command-line flag; write the value without it",
    ]


def test_an_override_values_file_may_not_leave_the_project(root: Path, tmp_path: Path) -> None:
    (root / "c").mkdir()
    (tmp_path.parent / "leak.yaml").write_text("a: 1\n")
    text = APPS.replace("yaml, manifests: [m.yaml], dep", "helm, chart: ./c, dep")
    assert _lines(root, text + "      web: {values: [../leak.yaml]}\n") == [
        "sbkube.yaml:8:22: clusters.prod.apps.web.values[0]: ../leak.yaml is outside the "
        "project directory; every file sbkube.yaml names must be inside it"
    ]


def test_source_keys_name_a_clusters_own_source(root: Path) -> None:
    (root / "base").mkdir()
    (root / "prod").mkdir()
    (root / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\nsettings: {helm_repos: {acme: https://charts.test}}\napps:\n"
        "  web: {type: helm, chart: acme/web, version: 1.0.0}\n"
        "  k: {type: kustomize, path: base}\n"
        "clusters:\n  staging: {}\n  prod:\n    apps:\n"
        "      web: {version: 2.0.0}\n      k: {path: prod}\n"
        "  dev:\n    apps:\n      web: {version: 1.0.0}\n      k: {enabled: false}\n"
    )
    config = load_project(root).config
    assert config.source_key("web", "prod") == "web@prod"
    assert config.source_key("web", "dev") == "web"  # the same version: the app's own source
    assert config.app_on("web", "prod").version == "2.0.0"  # type: ignore[union-attr]
    assert config.app_on("k", "prod").path == "prod"  # type: ignore[union-attr]
    assert config.apps["k"].path == "base"  # type: ignore[union-attr]
    assert config.sources_of(["web", "k"]) == {"web", "web@prod", "k", "k@prod"}
    assert config.sources_of(["k"], ["dev"]) == set()  # disabled there
    assert config.source_app("k@prod").path == "prod"  # type: ignore[union-attr]


def test_secret_looking_inline_values_are_warned_about_like_set_values(root: Path) -> None:
    (root / "c").mkdir()
    text = (
        "apiVersion: sbkube/v1\napps:\n  db:\n    type: helm\n    chart: ./c\n"
        "    values: [{auth: {password: hunter2}}]\n"
        "clusters:\n  prod:\n    apps:\n      db:\n        set_values: {api_token: abc}\n"
        "        values: [{replicaCount: 2, auth: {password: '${DB_PASSWORD}'}}]\n"
    )
    lines = _lines(root, text)
    assert lines == [
        "sbkube.yaml:6:32: warning: apps.db.values[0].auth.password: this looks like a secret "
        "written in plain text; keep the value in a CI secret or an encrypted values file",
        "sbkube.yaml:11:33: warning: clusters.prod.apps.db.set_values.api_token: this looks "
        "like a secret written in plain text; keep the value in a CI secret or an encrypted "
        "values file",
    ]
    assert all("hunter2" not in line and "abc" not in line for line in lines)
