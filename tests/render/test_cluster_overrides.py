"""Per-cluster app settings (``clusters.<c>.apps.<app>``) through template and plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.diff.markdown import render_markdown
from sbkube_ci.diff.text import render_text
from sbkube_ci.planning.engine import make_plan
from sbkube_ci.render import render_project
from sbkube_ci.render.normalize import load_objects

QUICKSTART = Path(__file__).resolve().parents[2] / "examples/quickstart"

CONFIG = """\
apiVersion: sbkube/v1
settings:
  namespace: shop
  global_values: {image: {tag: "9.9"}}
apps:
  config:
    type: yaml
    manifests: [manifests/configmap.yaml]
  web:
    type: helm
    chart: ./charts/web
    values:
      - values/web.yaml
      - {replicaCount: 2}
  api:
    type: helm
    chart: ./charts/web
    enabled: false
clusters:
  staging:
    context: staging
    apps:
      config: {enabled: false}
  prod:
    context: prod
    values: [values/prod.yaml]
    set_values: {service.port: 9090}
    apps:
      web:
        namespace: shop-prod
        values: [{replicaCount: 5}]
        set_values: {image.tag: "2.0"}
      api:
        enabled: true
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "p"
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".sbkube"))
    (root / "sbkube.yaml").write_text(CONFIG)
    (root / "values/prod.yaml").write_text("replicaCount: 4\nimage: {tag: '1.0'}\n")
    monkeypatch.chdir(root)
    return load_project(root)


def _deployment(project: Project, cluster: str, app: str) -> dict[str, object]:
    path = project.base_dir / ".sbkube/rendered" / cluster / f"{app}.yaml"
    return next(o for o in load_objects(path.read_text()) if o["kind"] == "Deployment")


def test_template_applies_the_documented_order(project: Project) -> None:
    result = render_project(project)
    assert not result.errors
    staging = _deployment(project, "staging", "web")
    prod = _deployment(project, "prod", "web")
    # staging: values file, then the inline mapping (2); global_values set the tag under them.
    assert staging["spec"]["replicas"] == 2  # type: ignore[index]
    assert staging["metadata"]["namespace"] == "shop"  # type: ignore[index]
    container = staging["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert container["image"] == "nginxinc/nginx-unprivileged:1.27"
    # prod: cluster values (4) < the app's values on prod (5); app set_values win over the
    # cluster's values file, the cluster's set_values reach every helm app.
    assert prod["spec"]["replicas"] == 5  # type: ignore[index]
    assert prod["metadata"]["namespace"] == "shop-prod"  # type: ignore[index]
    container = prod["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert container["image"] == "nginxinc/nginx-unprivileged:2.0"
    assert container["ports"][0]["containerPort"] == 9090


def test_template_renders_an_app_only_where_it_is_enabled(project: Project) -> None:
    result = render_project(project)
    rendered = {(cluster, app) for cluster, app in result.apps}
    assert rendered == {
        ("staging", "web"),
        ("prod", "web"),
        ("prod", "config"),
        ("prod", "api"),
    }
    assert not (project.base_dir / ".sbkube/rendered/staging/config.yaml").exists()
    assert not (project.base_dir / ".sbkube/rendered/staging/api.yaml").exists()
    # api is disabled at app level, enabled on prod only: it gets prod's cluster values.
    assert _deployment(project, "prod", "api")["spec"]["replicas"] == 4  # type: ignore[index]


def test_plan_shows_which_cluster_gets_which_values(project: Project) -> None:
    plan = make_plan(project).plan
    prod_web = next(a for a in plan.cluster("prod").apps if a.name == "web")
    assert prod_web.values == [
        "settings.global_values",
        "values/web.yaml",
        "apps.web.values[1] (inline)",
        "values/prod.yaml (clusters.prod.values[0])",
        "clusters.prod.apps.web.values[0] (inline)",
        "clusters.prod.set_values",
        "clusters.prod.apps.web.set_values",
    ]
    staging_web = next(a for a in plan.cluster("staging").apps if a.name == "web")
    assert staging_web.cluster_values == []
    assert {a.name for a in plan.cluster("staging").apps} == {"web"}
    markdown = render_markdown(plan, budget=65_536)
    assert (  # escaped for Markdown: [0] is no link, _ no emphasis
        "Values for this cluster, over the app's own: values/prod.yaml "
        "(clusters.prod.values\\[0\\]), clusters.prod.apps.web.values\\[0\\] (inline), "
        "clusters.prod.set\\_values, clusters.prod.apps.web.set\\_values"
    ) in markdown
    text = render_text(plan)
    assert (
        "    values for this cluster: values/prod.yaml (clusters.prod.values[0]), "
        "clusters.prod.apps.web.values[0] (inline), clusters.prod.set_values, "
        "clusters.prod.apps.web.set_values"
    ) in text


def test_a_values_change_for_one_cluster_rerenders_only_there(project: Project) -> None:
    render_project(project)
    config = (project.base_dir / "sbkube.yaml").read_text()
    (project.base_dir / "sbkube.yaml").write_text(
        config.replace("{replicaCount: 5}", "{replicaCount: 6}")
    )
    again = render_project(load_project(project.base_dir))
    fresh = {key for key, app in again.apps.items() if not app.from_cache}
    assert fresh == {("prod", "web")}
