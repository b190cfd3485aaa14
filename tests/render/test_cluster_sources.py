"""A chart version or a path per cluster (``clusters.<c>.apps.<app>.version`` / ``.path``).

The cluster's source is a source of its own: prepared, pinned in ``sbkube.lock`` as
``<app>@<cluster>``, built and rendered for that cluster only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.config import load_project
from sbkube_ci.diff.markdown import render_markdown
from sbkube_ci.diff.text import render_text
from sbkube_ci.errors import SourceError
from sbkube_ci.planning.engine import make_plan
from sbkube_ci.render import render_project
from sbkube_ci.render.changes import changed_apps
from sbkube_ci.sources.lockfile import LOCK_NAME, read_lock
from sbkube_ci.sources.prepare import LockDrift
from sbkube_ci.sources.project import prepare_project
from tests.fixtures.chart_repo import ChartRepo, make_chart, package_chart
from tests.fixtures.git_server import GitServer, git
from tests.fixtures.oci_registry import OciRegistry
from tests.support.projects import write_files


def _helm_project(root: Path, repo: ChartRepo, prod_version: str = "~2.0") -> Path:
    """web 1.0.0 from the chart repository ``acme``; prod sets ``prod_version``."""
    settings = f"{{namespace: shop, helm_repos: {{acme: {repo.url}}}}}"
    return _versions_project(root, "acme/web", "1.0.0", prod_version, settings=settings)


def _versions_project(
    root: Path,
    chart: str,
    app_version: str,
    prod_version: str,
    *,
    settings: str = "{namespace: shop}",
) -> Path:
    """App web at ``app_version`` on staging, and at ``prod_version`` on prod."""
    text = f"""\
apiVersion: sbkube/v1
settings: {settings}
apps:
  web: {{type: helm, chart: "{chart}", version: "{app_version}"}}
clusters:
  staging: {{}}
  prod:
    apps:
      web: {{version: "{prod_version}"}}
"""
    return write_files(root, {"sbkube.yaml": text})


@pytest.fixture
def repo(two_versions: ChartRepo) -> ChartRepo:
    return two_versions


def _message(result: object, cluster: str) -> str:
    objects = result.apps[(cluster, "web")].objects  # type: ignore[attr-defined]
    return str(objects[0]["data"]["message"])


def test_each_cluster_renders_its_own_chart_version(repo: ChartRepo, tmp_path: Path) -> None:
    root = _helm_project(tmp_path, repo)
    result = render_project(load_project(root))

    assert not result.errors
    assert _message(result, "staging") == "one"
    assert _message(result, "prod") == "two"
    pins = read_lock(root / LOCK_NAME).pins
    assert (pins["web"].version, pins["web@prod"].version) == ("1.0.0", "2.0.0")
    assert pins["web@prod"].constraint == "~2.0"
    builds = root / ".sbkube/build"
    # each build holds the values of the clusters that render it, and only theirs
    assert sorted(p.name for p in (builds / "web").glob("values.sbkube.*")) == [
        "values.sbkube.staging.yaml"
    ]
    assert sorted(p.name for p in (builds / "web@prod").glob("values.sbkube.*")) == [
        "values.sbkube.prod.yaml"
    ]


def test_one_cluster_renders_only_the_source_it_uses(repo: ChartRepo, tmp_path: Path) -> None:
    root = _helm_project(tmp_path, repo)
    result = render_project(load_project(root), clusters=["prod"])
    assert _message(result, "prod") == "two"
    assert set(read_lock(root / LOCK_NAME).pins) == {"web@prod"}


def test_ci_refuses_a_cluster_version_the_lock_does_not_answer(
    repo: ChartRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _helm_project(tmp_path, repo)
    render_project(load_project(root))
    _helm_project(tmp_path, repo, prod_version="~3.0")
    monkeypatch.setenv("CI", "true")

    with pytest.raises(LockDrift) as info:
        render_project(load_project(root))

    assert info.value.problems == [
        "apps.web@prod: sbkube.yaml asks for "
        f"{repo.url}/web '~3.0' but sbkube.lock pins {repo.url}/web '~2.0'; run "
        "`sbkube-ci prepare --update web` and commit sbkube.lock"
    ]


def test_update_of_an_app_updates_its_cluster_sources_too(repo: ChartRepo, tmp_path: Path) -> None:
    root = _helm_project(tmp_path, repo)
    prepare_project(load_project(root))
    repo.add("web", "2.0.1", message="two and a bit")

    again = prepare_project(load_project(root))
    assert again.lock.pins["web@prod"].version == "2.0.0"  # locked: no new match sneaks in
    updated = prepare_project(load_project(root), update={"web"})
    assert sorted(updated.resolved) == ["web", "web@prod"]
    assert read_lock(root / LOCK_NAME).pins["web@prod"].version == "2.0.1"


def test_a_dropped_cluster_version_is_stale_in_the_lock(
    repo: ChartRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _helm_project(tmp_path, repo)
    prepare_project(load_project(root))
    _helm_project(tmp_path, repo, prod_version="1.0.0")  # the app's own version again

    monkeypatch.setenv("CI", "true")
    with pytest.raises(LockDrift) as info:
        prepare_project(load_project(root))
    assert info.value.problems == [
        "apps.web@prod: in sbkube.lock but not in sbkube.yaml (--frozen); run "
        "`sbkube-ci prepare` and commit sbkube.lock"
    ]
    monkeypatch.delenv("CI")
    assert set(prepare_project(load_project(root)).lock.pins) == {"web"}


def test_the_plan_says_which_cluster_gets_which_version(repo: ChartRepo, tmp_path: Path) -> None:
    project = load_project(_helm_project(tmp_path, repo))
    plan = make_plan(project).plan

    prod = next(a for a in plan.cluster("prod").apps if a.name == "web")
    staging = next(a for a in plan.cluster("staging").apps if a.name == "web")
    assert prod.cluster_source == "chart version ~2.0 → 2.0.0 (clusters.prod.apps.web.version)"
    assert prod.source["version"] == "2.0.0"
    assert staging.cluster_source is None
    assert staging.source["version"] == "1.0.0"
    assert (
        "    source for this cluster: chart version ~2.0 → 2.0.0 (clusters.prod.apps.web.version)"
    ) in render_text(plan)
    assert "Source for this cluster: chart version ~2.0 → 2.0.0" in render_markdown(
        plan, budget=65_536
    )


KUSTOMIZE = {
    "base/kustomization.yaml": "resources: [cm.yaml]\n",
    "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
    "data: {size: small}\n",
    "overlays/prod/kustomization.yaml": "resources: [../../base]\npatches: [{path: size.yaml}]\n",
    "overlays/prod/size.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
    "data: {size: large}\n",
    "sbkube.yaml": """
        apiVersion: sbkube/v1
        settings: {namespace: shop}
        apps:
          settings: {type: kustomize, path: base}
        clusters:
          staging: {}
          prod:
            apps:
              settings: {path: overlays/prod}
    """,
}


def test_each_cluster_builds_its_own_kustomize_path(tmp_path: Path) -> None:
    write_files(tmp_path, KUSTOMIZE, dedent=True)
    project = load_project(tmp_path)
    result = render_project(project)

    sizes = {cluster: app.objects[0]["data"]["size"] for (cluster, _), app in result.apps.items()}
    assert sizes == {"staging": "small", "prod": "large"}
    plan = make_plan(project).plan
    prod = next(a for a in plan.cluster("prod").apps if a.name == "settings")
    assert prod.cluster_source == "path overlays/prod (clusters.prod.apps.settings.path)"


def test_a_change_under_a_cluster_path_changes_the_app(tmp_path: Path) -> None:
    write_files(tmp_path, {**KUSTOMIZE, "other/kustomization.yaml": "resources: []\n"}, dedent=True)
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "start"]):
        git(*command, cwd=tmp_path)
    (tmp_path / "overlays/prod/size.yaml").write_text(
        KUSTOMIZE["overlays/prod/size.yaml"].replace("large", "huge")
    )
    assert changed_apps(load_project(tmp_path), "HEAD") == {"settings"}
    git("checkout", "-q", "--", ".", cwd=tmp_path)
    (tmp_path / "other/kustomization.yaml").write_text("resources: []  # touched\n")
    assert changed_apps(load_project(tmp_path), "HEAD") == set()


def test_prepare_takes_app_names_and_updates_by_app_or_source(
    repo: ChartRepo, tmp_path: Path
) -> None:
    root = _helm_project(tmp_path, repo)
    with pytest.raises(SourceError, match=r"apps\.web@prod: no such app; known: web"):
        prepare_project(load_project(root), ["web@prod"])
    prepare_project(load_project(root))
    updated = prepare_project(load_project(root), update={"web@prod"})
    assert updated.resolved == ["web@prod"]


def test_each_cluster_takes_its_own_path_of_a_git_app(
    git_server: GitServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    sha = git_server.create(
        "infra",
        {
            f"envs/{env}/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: env}\n"
            f"data: {{env: {env}}}\n"
            for env in ("staging", "prod")
        },
    )
    write_files(
        tmp_path / "p",
        {
            "sbkube.yaml": f"""
                apiVersion: sbkube/v1
                settings: {{namespace: shop}}
                apps:
                  env: {{type: git, repo: "{git_server.url("infra")}", path: envs/staging}}
                clusters:
                  staging: {{}}
                  prod:
                    apps:
                      env: {{path: envs/prod}}
            """
        },
        dedent=True,
    )
    result = render_project(load_project(tmp_path / "p"))

    envs = {cluster: app.objects[0]["data"]["env"] for (cluster, _), app in result.apps.items()}
    assert envs == {"staging": "staging", "prod": "prod"}
    pins = read_lock(tmp_path / "p" / LOCK_NAME).pins
    assert pins["env"].digest == pins["env@prod"].digest == sha  # one commit, two paths
    assert pins["env@prod"].source.endswith("infra.git//envs/prod")


def test_the_prepare_command_lists_and_updates_cluster_sources(
    repo: ChartRepo, tmp_path: Path
) -> None:
    root = _helm_project(tmp_path, repo)
    first = CliRunner().invoke(cli, ["prepare", "-C", str(root)])
    assert first.exit_code == 0, first.output
    assert [line.split(":")[0] for line in first.output.splitlines()] == ["web", "web@prod"]
    repo.add("web", "2.0.1", message="newer")

    again = CliRunner().invoke(
        cli, ["prepare", "--app", "web", "--update", "web@prod", "-C", str(root)]
    )

    assert again.exit_code == 0, again.output
    lines = dict(line.split(": ", 1) for line in again.output.splitlines())
    assert lines["web"].endswith("(locked)")
    assert " 2.0.1 " in lines["web@prod"]
    assert lines["web@prod"].endswith("(resolved)")


def _messages(root: Path) -> dict[str, str]:
    result = render_project(load_project(root))
    assert not result.errors
    return {
        cluster: str(app.objects[0]["data"]["message"]) for (cluster, _), app in result.apps.items()
    }


def test_a_chart_from_an_oci_registry_by_version_per_cluster(
    oci_registry: OciRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    for version, message in (("1.0.0", "one"), ("2.0.0", "two"), ("2.1.0", "two-one")):
        archive = package_chart(
            tmp_path / "build", "web", version, tmp_path / "pkg", message=message
        )
        oci_registry.push(archive)
    chart = f"oci://{oci_registry.host}/charts/web"
    root = _versions_project(tmp_path / "p", chart, "1.0.0", "~2.0")

    assert _messages(root) == {"staging": "one", "prod": "two"}
    assert read_lock(root / LOCK_NAME).pins["web@prod"].version == "2.0.0"


def test_a_git_chart_by_ref_per_cluster(
    git_server: GitServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a chart in Git, ``version`` is the ref: prod runs the tag, staging the branch."""
    monkeypatch.delenv("CI", raising=False)
    chart = make_chart(tmp_path / "src", "web", "1.0.0", message="tagged")
    files = {f"charts/web/{p.relative_to(chart).as_posix()}": p.read_text()
             for p in chart.rglob("*") if p.is_file()}  # fmt: skip
    git_server.create("charts", files)
    work = git_server.root / ".work-charts"
    git("tag", "v1", cwd=work)
    git("push", "-q", "origin", "v1", cwd=work)
    git_server.commit("charts", {"charts/web/values.yaml": "message: newer\n"}, message="newer")
    root = _versions_project(
        tmp_path / "p", f"git::{git_server.url('charts')}//charts/web", "main", "v1"
    )

    assert _messages(root) == {"staging": "newer", "prod": "tagged"}


def test_a_cluster_version_that_does_not_resolve_fails_that_cluster_only(
    repo: ChartRepo, tmp_path: Path
) -> None:
    root = _helm_project(tmp_path, repo, prod_version="~9.0")
    result = render_project(load_project(root), keep_going=True)

    assert [(f.cluster, f.app) for f in result.errors] == [("prod", "web")]
    assert "apps.web@prod" in result.errors[0].message
    assert set(result.apps) == {("staging", "web")}
    plan = make_plan(load_project(root)).plan
    prod = next(a for a in plan.cluster("prod").apps if a.name == "web")
    staging = next(a for a in plan.cluster("staging").apps if a.name == "web")
    assert prod.error is not None
    assert (staging.error, staging.action) == (None, "create")
