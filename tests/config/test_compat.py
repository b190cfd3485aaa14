"""SBKube 0.11's other shapes load: each rewrite is a warning at the line the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.config.apps import HelmApp, YamlApp
from sbkube_ci.config.loader import load_project
from sbkube_ci.errors import ConfigProblems
from tests.support.projects import problem_lines, write_files


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


HEAD = "apiVersion: sbkube/v1\nsettings:\n  helm_repos:\n    grafana: https://g.example\n"


def test_values_mix_files_and_inline_mappings(project: Path) -> None:
    write_files(project, {"v.yaml": "a: 1\n"})
    write_files(
        project,
        {
            "sbkube.yaml": HEAD + "apps:\n  web:\n    type: helm\n    chart: grafana/web\n"
            "    values:\n      - v.yaml\n      - {replicaCount: 2}\n      - gone.yaml\n"
        },
    )
    # Only the file that is missing is reported; the inline mapping is values, not a file.
    assert problem_lines(project) == [
        "sbkube.yaml:12:9: apps.web.values[2]: gone.yaml does not exist (paths are relative to .)"
    ]
    (project / "gone.yaml").write_text("b: 2\n")
    app = load_project(project).config.apps["web"]
    assert isinstance(app, HelmApp)
    assert app.values == ["v.yaml", {"replicaCount": 2}, "gone.yaml"]
    assert app.values_files() == ["v.yaml", "gone.yaml"]


def test_a_values_entry_of_another_shape_is_one_clear_error(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": HEAD + "apps:\n  web:\n    type: helm\n    chart: grafana/web\n"
            "    values: [5]\n"
        },
    )
    assert problem_lines(project) == [
        "sbkube.yaml:9:14: apps.web.values[0]: must be a values file path or a mapping of values, "
        "found a number"
    ]


@pytest.mark.parametrize("key", ["path", "files"])
def test_yaml_app_given_by_an_older_key(project: Path, key: str) -> None:
    write_files(project, {"m.yaml": "kind: ConfigMap\n"})
    write_files(
        project,
        {
            "sbkube.yaml": "apiVersion: sbkube/v1\napps:\n  cm:\n    type: yaml\n"
            f"    {key}: m.yaml\n"
        },
    )
    assert problem_lines(project) == [
        f"sbkube.yaml:5:5: warning: apps.cm.{key}: SBKube's older {key}: read as manifests; "
        "`sbkube-ci migrate` rewrites it"
    ]
    app = load_project(project).config.apps["cm"]
    assert isinstance(app, YamlApp)
    assert app.manifests == ["m.yaml"]


def test_rewritten_yaml_path_errors_point_at_the_written_value(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": "apiVersion: sbkube/v1\napps:\n  cm:\n    type: yaml\n"
            "    path: [a.yaml, b.yaml]\n"
        },
    )
    write_files(project, {"a.yaml": "kind: ConfigMap\n"})
    assert problem_lines(project)[1] == (
        "sbkube.yaml:5:20: apps.cm.manifests[1]: b.yaml does not exist (paths are relative to .)"
    )


def test_helm_app_with_separate_repo_and_chart(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": HEAD
            + "apps:\n  web:\n    type: helm\n    repo: grafana\n    chart: grafana\n"
        },
    )
    assert problem_lines(project) == [
        "sbkube.yaml:8:5: warning: apps.web.repo: SBKube's older repo + chart: read as chart: "
        "grafana/grafana; `sbkube-ci migrate` rewrites it"
    ]
    app = load_project(project).config.apps["web"]
    assert isinstance(app, HelmApp)
    assert app.chart == "grafana/grafana"


def test_missing_api_version_is_read_as_v1_with_a_warning(project: Path) -> None:
    write_files(project, {"sbkube.yaml": "apps:\n  web:\n    type: noop\n"})
    assert problem_lines(project) == [
        "sbkube.yaml:1:1: warning: apiVersion: missing; read as sbkube/v1, as SBKube does; "
        "add apiVersion: sbkube/v1"
    ]
    assert load_project(project).config.api_version == "sbkube/v1"


def test_overrides_as_a_mapping_of_chart_file_to_file(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": HEAD + "apps:\n  web:\n    type: helm\n    chart: grafana/web\n"
            "    overrides:\n      templates/secret.yaml: custom-secret.yaml\n"
        },
    )
    app = load_project(project).config.apps["web"]
    assert isinstance(app, HelmApp)
    assert app.overrides == {"templates/secret.yaml": "custom-secret.yaml"}


def test_plain_text_repository_password_is_refused_with_the_fix(project: Path) -> None:
    write_files(
        project,
        {
            "sbkube.yaml": "apiVersion: sbkube/v1\nsettings:\n  helm_repos:\n    private:\n"
            "      url: https://charts.example\n      username: ci\n      password: hunter2\n"
        },
    )
    lines = problem_lines(project)
    assert len(lines) == 1
    assert lines[0].startswith("sbkube.yaml:7:17: settings.helm_repos.private.password: ")
    assert "${VARIABLE_NAME}" in lines[0]
    assert "hunter2" not in lines[0]
    with pytest.raises(ConfigProblems):
        load_project(project)


def test_legacy_sources_repos_section(project: Path) -> None:
    write_files(
        project,
        {
            "sources.yaml": "cluster: dev\nrepos:\n  grafana: https://g.example\n"
            "  ghcr: oci://ghcr.io/acme/charts\n  tools: git@git.example:tools.git\n"
            "  internal: {type: helm, url: https://charts.internal}\n",
            "shop/config.yaml": "namespace: shop\napps:\n  web: {type: helm, chart: grafana/web}\n",
        },
    )
    lines = problem_lines(project)
    assert lines[0] == (
        "sources.yaml:3:3: warning: settings.repos.grafana: SBKube's repos section: read as "
        "settings.helm_repos.grafana; `sbkube-ci migrate` rewrites it"
    )
    assert len(lines) == 4
    assert all("warning:" in line for line in lines)
    settings = load_project(project).config.settings
    assert set(settings.helm_repos) == {"grafana", "internal"}
    assert set(settings.oci_registries) == {"ghcr"}
    assert set(settings.git_repos) == {"tools"}


def test_legacy_group_older_shapes_get_the_group_prefix(project: Path) -> None:
    write_files(
        project,
        {
            "sources.yaml": "cluster: dev\nhelm_repos:\n  grafana: https://g.example\n",
            "shop/config.yaml": "namespace: shop\napps:\n"
            "  cm: {type: yaml, path: m.yaml}\n"
            "  web: {type: helm, repo: grafana, chart: web, values: [v.yaml, {a: 1}]}\n",
            "shop/m.yaml": "kind: ConfigMap\n",
            "shop/v.yaml": "a: 0\n",
        },
    )
    config = load_project(project).config
    cm, web = config.apps["cm"], config.apps["web"]
    assert isinstance(cm, YamlApp)
    assert cm.manifests == ["shop/m.yaml"]
    assert isinstance(web, HelmApp)
    assert web.chart == "grafana/web"
    assert web.values == ["shop/v.yaml", {"a": 1}]


def test_top_level_deps_of_a_phase_file_is_dropped_with_a_warning(project: Path) -> None:
    write_files(project, {"sbkube.yaml": "apiVersion: sbkube/v1\ndeps: [infra]\napps: {}\n"})
    assert problem_lines(project) == [
        "sbkube.yaml:2:1: warning: deps: SBKube orders phases' files by it; within one "
        "sbkube.yaml it has no effect and is dropped: order apps with depends_on"
    ]
    write_files(project, {"sbkube.yaml": "apiVersion: sbkube/v1\ndeps: 5\n"})
    assert problem_lines(project) == [
        "sbkube.yaml:2:1: deps: unknown key; allowed keys: apiVersion, "
        "apps, checks, clusters, diff, hooks, metadata, notify, settings, state"
    ]


def test_legacy_oci_repos_chart_map_with_a_named_pull(project: Path) -> None:
    write_files(
        project,
        {
            "sources.yaml": "cluster: dev\noci_repos:\n  dockerhub:\n"
            "    nginx: oci://registry-1.docker.io/bitnamicharts/nginx\n"
            "    redis: oci://registry-1.docker.io/bitnamicharts/redis\n",
            "web/config.yaml": "namespace: web\napps:\n"
            "  - {name: nginx-pull, type: pull-helm-oci, specs: {repo: dockerhub, chart: nginx}}\n"
            "  - {name: nginx, type: install-helm, specs: {path: nginx}}\n",
        },
    )
    assert problem_lines(project) == [
        "sources.yaml:3:3: warning: settings.oci_registries.dockerhub: SBKube's older oci_repos "
        "shape (chart: URL): read as registry: registry-1.docker.io/bitnamicharts; "
        "`sbkube-ci migrate` rewrites it"
    ]
    config = load_project(project).config
    nginx = config.apps["nginx"]
    assert isinstance(nginx, HelmApp)
    assert nginx.chart == "dockerhub/nginx"
    assert config.settings.oci_registries["dockerhub"].registry == (
        "registry-1.docker.io/bitnamicharts"
    )


def test_oci_repos_across_registries_is_left_to_the_schema(project: Path) -> None:
    write_files(
        project,
        {
            "sources.yaml": "cluster: dev\noci_repos:\n  mixed:\n"
            "    a: oci://one.example/charts/a\n    b: oci://two.example/charts/b\n",
            "web/config.yaml": "namespace: web\napps: {}\n",
        },
    )
    assert [line.split(": ")[1] for line in problem_lines(project)] == [
        "settings.oci_registries.mixed.registry",
        "settings.oci_registries.mixed.a",
        "settings.oci_registries.mixed.b",
    ]
