"""The build stage: chart copies with overrides and removes; values precedence per cluster."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from sbkube_ci.config import Project
from sbkube_ci.errors import RenderError
from sbkube_ci.render import build_project
from sbkube_ci.render.build import values_path
from tests.render.conftest import CHART_FILES

PROJECT = {
    **CHART_FILES,
    "charts/app/templates/extra.yaml": "kind: ConfigMap\n",
    "charts/app/templates/tests/test.yaml": "kind: Pod\n",
    "overrides/web/templates/configmap.yaml": "# replaced\n",
    "overrides/web/templates/new.yaml": "# added\n",
    "values/web.yaml": """
        replicas: 2
        image: {tag: "from-app-file"}
        config: {greeting: app-file, color: green}
        labels: [from-app-file]
    """,
    "values/prod.yaml": """
        replicas: 5
        config: {greeting: cluster-file}
    """,
    "sbkube.yaml": """
        apiVersion: sbkube/v1
        settings: {namespace: shop}
        apps:
          web:
            type: helm
            chart: ./charts/app
            values: [values/web.yaml]
            set_values:
              config.greeting: app-set
              image.repository: registry.local/nginx
            overrides: ["templates/*.yaml"]
            removes: [templates/extra.yaml, "templates/tests"]
        clusters:
          staging: {}
          prod:
            values: [values/prod.yaml]
            set_values: {config.greeting: cluster-set}
    """,
}


def _values(project: Project, cluster: str) -> dict[str, object]:
    path = values_path(project.base_dir / ".sbkube/build/web", cluster)
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_values_precedence_per_cluster(make_project: Callable[[dict[str, str]], Project]) -> None:
    project = make_project(PROJECT)
    result = build_project(project)
    assert not result.errors
    staging = _values(project, "staging")
    prod = _values(project, "prod")
    # chart defaults < app files < cluster files < app set_values < cluster set_values
    assert staging["replicas"] == 2
    assert prod["replicas"] == 5
    assert staging["config"] == {"greeting": "app-set", "color": "green"}
    assert prod["config"] == {"greeting": "cluster-set", "color": "green"}
    assert staging["image"] == {"repository": "registry.local/nginx", "tag": "from-app-file"}
    assert staging["labels"] == ["from-app-file"]  # lists replace, never merge


def test_overrides_and_removes(make_project: Callable[[dict[str, str]], Project]) -> None:
    project = make_project(PROJECT)
    build_project(project)
    chart = project.base_dir / ".sbkube/build/web"
    assert (chart / "templates/configmap.yaml").read_text() == "# replaced\n"
    assert (chart / "templates/new.yaml").read_text() == "# added\n"
    assert (chart / "templates/deployment.yaml").is_file()
    assert not (chart / "templates/extra.yaml").exists()
    assert not (chart / "templates/tests").exists()
    assert "values.sbkube.*.yaml" in (chart / ".helmignore").read_text()
    # the project's chart is untouched
    assert (project.base_dir / "charts/app/templates/extra.yaml").is_file()


def test_unchanged_build_is_skipped_and_a_change_rebuilds(
    make_project: Callable[[dict[str, str]], Project],
) -> None:
    project = make_project(PROJECT)
    first = build_project(project).inputs["web"].built
    second = build_project(project).inputs["web"].built
    assert first is not None
    assert second is not None
    assert first.rebuilt
    assert not second.rebuilt
    assert first.tree_digest == second.tree_digest
    (project.base_dir / "overrides/web/templates/new.yaml").write_text("# changed\n")
    third = build_project(project).inputs["web"].built
    assert third is not None
    assert third.rebuilt
    assert third.tree_digest != first.tree_digest
    assert (third.path / "templates/new.yaml").read_text() == "# changed\n"


def test_override_matching_nothing_is_an_error(
    make_project: Callable[[dict[str, str]], Project],
) -> None:
    files = dict(PROJECT)
    files["sbkube.yaml"] = files["sbkube.yaml"].replace(
        '["templates/*.yaml"]', '["templates/missing.yaml"]'
    )
    project = make_project(files)
    with pytest.raises(RenderError, match=r"apps\.web\.overrides\[0\]: templates/missing\.yaml"):
        build_project(project)


def test_legacy_set_values_list(make_project: Callable[[dict[str, str]], Project]) -> None:
    files = dict(PROJECT)
    files["sbkube.yaml"] = """
        apiVersion: sbkube/v1
        apps:
          web:
            type: helm
            chart: ./charts/app
            set_values: ["config.color=red", "replicas=7"]
    """
    project = make_project(files)
    build_project(project)
    values = _values(project, "default")
    assert values["replicas"] == 7
    assert values["config"] == {"greeting": "hello", "color": "red"}


def test_values_file_is_rewritten_only_when_it_changes(
    make_project: Callable[[dict[str, str]], Project],
) -> None:
    project = make_project(PROJECT)
    build_project(project)
    path = values_path(project.base_dir / ".sbkube/build/web", "prod")
    before = path.stat().st_mtime_ns
    build_project(project)
    assert path.stat().st_mtime_ns == before
    (project.base_dir / "values/prod.yaml").write_text("replicas: 9\n")
    build_project(project)
    assert _values(project, "prod")["replicas"] == 9


def test_apps_sharing_a_chart_keep_their_own_overrides(
    make_project: Callable[[dict[str, str]], Project],
) -> None:
    files = dict(PROJECT)
    files["sbkube.yaml"] = files["sbkube.yaml"].replace(
        "        clusters:",
        "          api: {type: helm, chart: ./charts/app}\n        clusters:",
    )
    project = make_project(files)
    result = build_project(project)
    web, api = result.inputs["web"].built, result.inputs["api"].built
    assert web is not None
    assert api is not None
    assert web.tree_digest != api.tree_digest
    assert (web.path / "templates/configmap.yaml").read_text() == "# replaced\n"
    assert "kind: ConfigMap" in (api.path / "templates/configmap.yaml").read_text()
    assert (api.path / "templates/extra.yaml").is_file()
    assert not (web.path / "templates/extra.yaml").exists()
