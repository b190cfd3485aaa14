"""render_project end to end with real helm and kubectl kustomize."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from sbkube_ci.config import Project
from sbkube_ci.errors import ConfigError, RenderError
from sbkube_ci.render import render_project
from sbkube_ci.render.digest import render_digest
from sbkube_ci.render.normalize import load_objects
from tests.render.conftest import CHART_FILES

PROJECT = {
    **CHART_FILES,
    "values/web.yaml": "config: {greeting: from-values-file}\n",
    "values/prod.yaml": "replicas: 3\n",
    "manifests/config.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {mode: plain}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: runner, namespace: jobs}
    """,
    "kustomize/base/kustomization.yaml": """
        resources: [service.yaml]
    """,
    "kustomize/base/service.yaml": """
        apiVersion: v1
        kind: Service
        metadata: {name: api}
        spec: {ports: [{port: 80}]}
    """,
    "kustomize/overlay/kustomization.yaml": """
        resources: [../base]
        namePrefix: edge-
    """,
    "sbkube.yaml": """
        apiVersion: sbkube/v1
        settings: {namespace: shop}
        apps:
          web:
            type: helm
            chart: ./charts/app
            values: [values/web.yaml]
          config:
            type: yaml
            manifests: [manifests/config.yaml]
          edge:
            type: kustomize
            path: kustomize/overlay
            namespace: edge
          tasks:
            type: exec
            commands: [echo hi]
        clusters:
          staging:
            kube_version: "1.30.0"
          prod:
            kube_version: "1.33.0"
            api_versions: [monitoring.coreos.com/v1]
            values: [values/prod.yaml]
            set_values: {config.color: red}
    """,
}

MakeProject = Callable[[dict[str, str]], Project]


def _objects(project: Project, cluster: str, app: str) -> list[dict[str, object]]:
    path = project.base_dir / ".sbkube/rendered" / cluster / f"{app}.yaml"
    return load_objects(path.read_text())


def test_renders_every_kind_of_app_for_two_clusters(make_project: MakeProject) -> None:
    project = make_project(PROJECT)
    result = render_project(project, max_workers=2)
    assert result.ok
    assert sorted(result.apps) == [
        ("prod", "config"),
        ("prod", "edge"),
        ("prod", "web"),
        ("staging", "config"),
        ("staging", "edge"),
        ("staging", "web"),
    ]
    staging_cm = _objects(project, "staging", "web")[0]
    prod_cm = _objects(project, "prod", "web")[0]
    assert staging_cm["data"] == {
        "greeting": "from-values-file",
        "color": "blue",
        "kube": "v1.30.0",
    }
    assert prod_cm["data"] == {
        "greeting": "from-values-file",
        "color": "red",
        "kube": "v1.33.0",
        "monitoring": "yes",
    }
    deployment = _objects(project, "prod", "web")[1]
    assert deployment["spec"]["replicas"] == 3  # type: ignore[index]
    assert deployment["metadata"]["namespace"] == "shop"  # type: ignore[index]
    config = _objects(project, "staging", "config")
    assert [(o["kind"], o["metadata"]["namespace"]) for o in config] == [  # type: ignore[index]
        ("ServiceAccount", "jobs"),
        ("ConfigMap", "shop"),
    ]
    edge = _objects(project, "staging", "edge")
    assert [(o["kind"], o["metadata"]) for o in edge] == [
        ("Service", {"name": "edge-api", "namespace": "edge"})
    ]
    rendered = result.apps[("prod", "web")]
    assert rendered.text == rendered.path.read_text()
    assert rendered.pin is not None
    assert rendered.pin.kind == "local"
    assert not (project.base_dir / ".sbkube/rendered/prod/tasks.yaml").exists()


def test_second_run_spawns_no_helm(
    make_project: MakeProject, helm_calls: Callable[[], list[str]]
) -> None:
    project = make_project(PROJECT)
    first = render_project(project)
    templates = [c for c in helm_calls() if c.startswith("template")]
    assert len(templates) == 2  # one per cluster
    assert sum(c.startswith("version") for c in helm_calls()) == 1
    assert "--repository-config" in templates[0]
    assert str(project.base_dir / ".sbkube/helm") in templates[0]
    before = len(helm_calls())
    second = render_project(project)
    assert len(helm_calls()) == before  # not even `helm version`
    assert all(r.from_cache for r in second.apps.values())
    assert {k: r.render_digest for k, r in first.apps.items()} == {
        k: r.render_digest for k, r in second.apps.items()
    }


def test_a_values_change_rerenders_only_that_app(
    make_project: MakeProject, helm_calls: Callable[[], list[str]]
) -> None:
    project = make_project(PROJECT)
    render_project(project)
    before = len(helm_calls())
    (project.base_dir / "values/prod.yaml").write_text("replicas: 4\n")
    result = render_project(project)
    assert len(helm_calls()) == before + 1
    fresh = sorted(k for k, r in result.apps.items() if not r.from_cache)
    assert fresh == [("prod", "web")]
    assert _objects(project, "prod", "web")[1]["spec"]["replicas"] == 4  # type: ignore[index]


def test_a_kustomize_base_change_is_noticed(make_project: MakeProject) -> None:
    project = make_project(PROJECT)
    first = render_project(project, apps=["edge"])
    service = project.base_dir / "kustomize/base/service.yaml"
    service.write_text(service.read_text().replace("port: 80", "port: 81"))
    second = render_project(project, apps=["edge"])
    key = ("staging", "edge")
    assert second.apps[key].input_digest != first.apps[key].input_digest
    assert not second.apps[key].from_cache


def test_app_and_cluster_selection(make_project: MakeProject) -> None:
    project = make_project(PROJECT)
    result = render_project(project, apps=["config"], clusters=["prod"])
    assert list(result.apps) == [("prod", "config")]
    assert not (project.base_dir / ".sbkube/rendered/staging").exists()
    with pytest.raises(ConfigError, match=r"--app nope: no such app.*known: config, edge"):
        render_project(project, apps=["nope"])
    with pytest.raises(ConfigError, match=r"--cluster qa: no such cluster; known: prod, staging"):
        render_project(project, clusters=["qa"])


BROKEN_TEMPLATE = """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {{ .Release.Name }}-broken
    data:
      value: {{ .Values.missing.deeper }}
"""


def test_helm_failure_names_the_app_and_shows_helms_message(make_project: MakeProject) -> None:
    project = make_project({**PROJECT, "charts/app/templates/broken.yaml": BROKEN_TEMPLATE})
    with pytest.raises(RenderError) as caught:
        render_project(project, clusters=["staging"])
    message = str(caught.value)
    assert message.startswith("apps.web on cluster staging: helm template failed: ")
    assert "failed: Error" not in message  # helm's own "Error:" is not repeated
    assert "app/templates/broken.yaml" in message
    assert "nil pointer evaluating interface {}.deeper" in message
    assert "\n" not in message


def test_keep_going_renders_the_other_apps(make_project: MakeProject) -> None:
    files = {
        **PROJECT,
        "charts/app/templates/broken.yaml": BROKEN_TEMPLATE,
        "kustomize/overlay/kustomization.yaml": "resources: [../missing]\n",
    }
    project = make_project(files)
    result = render_project(project, keep_going=True)
    assert sorted(result.apps) == [("prod", "config"), ("staging", "config")]
    failures = sorted((f.cluster, f.app) for f in result.errors)
    assert failures == [("prod", "edge"), ("prod", "web"), ("staging", "edge"), ("staging", "web")]
    edge = next(f for f in result.errors if f.app == "edge")
    assert "kubectl kustomize kustomize/overlay failed" in edge.message
    assert not (project.base_dir / ".sbkube/rendered/staging/web.yaml").exists()


def test_missing_name_in_a_manifest_is_an_error(make_project: MakeProject) -> None:
    files = {**PROJECT, "manifests/config.yaml": "apiVersion: v1\nkind: ConfigMap\n"}
    project = make_project(files)
    with pytest.raises(RenderError, match=r"apps\.config on cluster \w+: manifests/config\.yaml: "):
        render_project(project, apps=["config"])


def test_a_failed_app_loses_its_old_render(make_project: MakeProject) -> None:
    project = make_project(PROJECT)
    render_project(project)
    old = project.base_dir / ".sbkube/rendered/prod/web.yaml"
    assert old.exists()
    (project.base_dir / "charts/app/templates/broken.yaml").write_text(BROKEN_TEMPLATE)
    result = render_project(project, keep_going=True)
    assert not old.exists()
    assert ("prod", "config") in result.apps


def test_two_runs_at_once_agree(make_project: MakeProject) -> None:
    project = make_project(PROJECT)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: render_project(project, max_workers=2), range(2))
    assert first.ok
    assert second.ok
    digests = {key: rendered.render_digest for key, rendered in first.apps.items()}
    assert digests == {key: rendered.render_digest for key, rendered in second.apps.items()}
    for rendered in first.apps.values():
        assert render_digest(rendered.path.read_text()) == rendered.render_digest


def test_keep_going_after_a_build_failure(make_project: MakeProject) -> None:
    files = dict(PROJECT)
    files["sbkube.yaml"] = files["sbkube.yaml"].replace(
        "values: [values/web.yaml]", "values: [values/web.yaml]\n            overrides: [nope.yaml]"
    )
    project = make_project(files)
    result = render_project(project, keep_going=True)
    assert {app for _, app in result.apps} == {"config", "edge"}
    assert {(f.cluster, f.app) for f in result.errors} == {("prod", "web"), ("staging", "web")}
    assert all(
        f.message.startswith("apps.web.overrides[0]: nope.yaml matches no file")
        for f in result.errors
    )
