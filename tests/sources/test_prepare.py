"""``prepare_apps`` with the lock: reuse pins, no network when warm, frozen drift, updates."""

from __future__ import annotations

import shutil

import pytest
from pytest_httpserver import HTTPServer

from sbkube_ci.commands.prepare import prepare
from sbkube_ci.errors import SourceError
from sbkube_ci.sources.base import SourceContext
from sbkube_ci.sources.lockfile import read_lock
from sbkube_ci.sources.prepare import LockDrift, prepare_apps
from tests.fixtures.chart_repo import ChartRepo, package_chart
from tests.fixtures.git_server import GitServer
from tests.fixtures.net import free_port
from tests.sources.conftest import MakeContext


def _apps(repo_version: str = "~1.0") -> dict[str, object]:
    return {
        "web": {"type": "helm", "chart": "r/web", "version": repo_version},
        "local": {"type": "yaml", "manifests": ["ns.yaml"]},
    }


FILES = {"ns.yaml": "kind: Namespace\n"}


def _ctx(make_ctx: MakeContext, repo: ChartRepo) -> SourceContext:
    return make_ctx(_apps(), {"helm_repos": {"r": repo.url}}, FILES)


def test_warm_rerun_makes_no_request(
    chart_repo: ChartRepo, httpserver: HTTPServer, make_ctx: MakeContext
) -> None:
    chart_repo.add("web", "1.0.0")
    httpserver.expect_request("/crd.yaml").respond_with_data(b"kind: CRD\n")
    extra = {"crd": {"type": "http", "url": httpserver.url_for("/crd.yaml"), "dest": "crd.yaml"}}
    ctx = make_ctx({**_apps(), **extra}, {"helm_repos": {"r": chart_repo.url}}, FILES)
    first = prepare(ctx.project, ctx=ctx)
    assert first.resolved == ["crd", "local", "web"]
    lock = read_lock(ctx.project.base_dir / "sbkube.lock")
    assert sorted(lock.pins) == ["crd", "web"]  # local content is versioned with the repo

    chart_repo.stop()
    httpserver.stop()
    requests_before = list(chart_repo.requests)
    try:
        again = prepare(
            ctx.project,
            ctx=make_ctx({**_apps(), **extra}, {"helm_repos": {"r": chart_repo.url}}, FILES),
        )
    finally:
        httpserver.start()  # the httpserver is shared by the whole session
    assert chart_repo.requests == requests_before
    assert again.resolved == ["local"]
    assert {n: p.path for n, p in again.prepared.items()} == {
        n: p.path for n, p in first.prepared.items()
    }
    assert read_lock(ctx.project.base_dir / "sbkube.lock") == lock


def test_lock_pins_version_until_updated(chart_repo: ChartRepo, make_ctx: MakeContext) -> None:
    chart_repo.add("web", "1.0.0")
    ctx = _ctx(make_ctx, chart_repo)
    assert prepare(ctx.project, ctx=ctx).prepared["web"].pin.version == "1.0.0"
    chart_repo.add("web", "1.0.1")
    assert (
        prepare(ctx.project, ctx=_ctx(make_ctx, chart_repo)).prepared["web"].pin.version == "1.0.0"
    )
    updated = prepare(ctx.project, update={"web"}, ctx=_ctx(make_ctx, chart_repo))
    assert updated.prepared["web"].pin.version == "1.0.1"
    assert read_lock(ctx.project.base_dir / "sbkube.lock").pins["web"].version == "1.0.1"


def test_frozen_fails_on_drift_and_missing_entries(
    chart_repo: ChartRepo, make_ctx: MakeContext
) -> None:
    chart_repo.add("web", "1.0.0")
    chart_repo.add("api", "2.0.0")
    ctx = _ctx(make_ctx, chart_repo)
    prepare(ctx.project, ctx=ctx)
    lock_text = (ctx.project.base_dir / "sbkube.lock").read_text()
    changed = make_ctx(
        {**_apps("~1.1"), "api": {"type": "helm", "chart": "r/api"}},
        {"helm_repos": {"r": chart_repo.url}},
        FILES,
    )
    with pytest.raises(LockDrift) as err:
        prepare(changed.project, frozen=True, ctx=changed)
    assert err.value.problems == [
        "apps.api: not in sbkube.lock (--frozen); run `sbkube-ci prepare --update api` and "
        "commit sbkube.lock",
        f"apps.web: sbkube.yaml asks for {chart_repo.url}/web '~1.1' but sbkube.lock pins "
        f"{chart_repo.url}/web '~1.0'; run `sbkube-ci prepare --update web` and commit "
        "sbkube.lock",
    ]
    assert (ctx.project.base_dir / "sbkube.lock").read_text() == lock_text


def test_frozen_default_in_ci(
    chart_repo: ChartRepo, make_ctx: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart_repo.add("web", "1.0.0")
    ctx = _ctx(make_ctx, chart_repo)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(LockDrift, match=r"apps\.web: not in sbkube\.lock"):
        prepare(ctx.project, ctx=ctx)
    assert not (ctx.project.base_dir / "sbkube.lock").exists()
    assert prepare(ctx.project, update=True, ctx=ctx).ok  # --update turns frozen off


def test_keep_going_reports_every_failure(
    chart_repo: ChartRepo, git_server: GitServer, make_ctx: MakeContext
) -> None:
    chart_repo.add("web", "1.0.0")
    gone = f"http://127.0.0.1:{free_port()}/charts"
    apps = {
        **_apps(),
        "db": {"type": "helm", "chart": "gone/db"},
        "cfg": {"type": "git", "repo": git_server.url("missing")},
    }
    settings = {"helm_repos": {"r": chart_repo.url, "gone": gone}}
    ctx = make_ctx(apps, settings, FILES)
    with pytest.raises(SourceError, match=r"^apps\.(cfg|db): "):
        prepare_apps(ctx)
    result = prepare(ctx.project, keep_going=True, ctx=make_ctx(apps, settings, FILES))
    assert sorted(result.prepared) == ["local", "web"]
    assert sorted(result.errors) == ["cfg", "db"]
    assert result.errors["db"].startswith(f"apps.db: cannot reach {gone}/index.yaml")
    assert sorted(read_lock(ctx.project.base_dir / "sbkube.lock").pins) == ["web"]


def test_emptied_cache_refetches_and_verifies_the_pin(
    chart_repo: ChartRepo, make_ctx: MakeContext
) -> None:
    archive = chart_repo.add("web", "1.0.0")
    ctx = _ctx(make_ctx, chart_repo)
    prepare(ctx.project, ctx=ctx)
    shutil.rmtree(ctx.cache_dir)
    assert prepare(ctx.project, ctx=_ctx(make_ctx, chart_repo)).prepared["web"].path.is_dir()

    shutil.rmtree(ctx.cache_dir)
    other = chart_repo.root.parent / "rebuilt"
    archive.write_bytes(package_chart(other, "web", "1.0.0", other, message="changed").read_bytes())
    chart_repo.index()  # the server now states the new digest, the lock still the old one
    with pytest.raises(SourceError, match=r"^apps\.web: digest mismatch .*prepare --update web"):
        prepare(ctx.project, ctx=_ctx(make_ctx, chart_repo))


def test_git_and_oci_pins_reused(git_server: GitServer, make_ctx: MakeContext) -> None:
    sha = git_server.create("infra", {"m/a.yaml": "a: 1\n"})
    apps = {"cfg": {"type": "git", "repo": git_server.url("infra"), "path": "m", "branch": "main"}}
    ctx = make_ctx(apps)
    assert prepare(ctx.project, ctx=ctx).prepared["cfg"].pin.digest == sha
    git_server.commit("infra", {"m/b.yaml": "b: 1\n"}, message="b")
    again = prepare(ctx.project, ctx=make_ctx(apps))
    assert again.prepared["cfg"].pin.digest == sha
    assert again.resolved == []
    moved = prepare(ctx.project, update=True, ctx=make_ctx(apps))
    assert moved.prepared["cfg"].pin.digest != sha
    assert (moved.prepared["cfg"].path / "b.yaml").exists()


def test_parallel_apps_share_one_index_download(
    chart_repo: ChartRepo, make_ctx: MakeContext
) -> None:
    for name in ("a", "b", "c", "d", "e"):
        chart_repo.add(name, "1.0.0")
    apps = {name: {"type": "helm", "chart": f"r/{name}"} for name in ("a", "b", "c", "d", "e")}
    ctx = make_ctx(apps, {"helm_repos": {"r": chart_repo.url}})
    result = prepare_apps(ctx, max_workers=4)
    assert sorted(result.prepared) == ["a", "b", "c", "d", "e"]
    assert chart_repo.requests.count("/charts/index.yaml") == 1
    assert sorted(result.lock.pins) == ["a", "b", "c", "d", "e"]


def test_first_failure_stops_without_keep_going(
    chart_repo: ChartRepo, make_ctx: MakeContext
) -> None:
    chart_repo.add("ok", "1.0.0")
    apps = {f"bad{i}": {"type": "helm", "chart": f"r/missing{i}"} for i in range(4)}
    ctx = make_ctx(
        {**apps, "ok": {"type": "helm", "chart": "r/ok"}}, {"helm_repos": {"r": chart_repo.url}}
    )
    with pytest.raises(SourceError, match=r"^apps\.bad\d: chart 'missing\d' is not in "):
        prepare_apps(ctx, max_workers=1)


def test_unknown_app_name(make_ctx: MakeContext) -> None:
    ctx = make_ctx({"a": {"type": "noop"}})
    with pytest.raises(SourceError, match=r"^apps\.zzz: no such app; known: a$"):
        prepare_apps(ctx, ["zzz"])
    assert prepare_apps(ctx).prepared == {}  # apps without a source are skipped


def test_frozen_reports_stale_entries_and_unknown_update_names(
    chart_repo: ChartRepo, make_ctx: MakeContext
) -> None:
    chart_repo.add("web", "1.0.0")
    chart_repo.add("old", "1.0.0")
    both = {**_apps(), "old": {"type": "helm", "chart": "r/old"}}
    ctx = make_ctx(both, {"helm_repos": {"r": chart_repo.url}}, FILES)
    prepare(ctx.project, ctx=ctx)
    removed = _ctx(make_ctx, chart_repo)
    with pytest.raises(LockDrift, match=r"^apps\.old: in sbkube\.lock but not in sbkube\.yaml"):
        prepare(removed.project, frozen=True, ctx=removed)
    assert sorted(prepare(removed.project, ctx=removed).lock.pins) == ["web"]
    with pytest.raises(SourceError, match=r"^apps\.wbe: no such app; known: local, web$"):
        prepare(removed.project, update={"wbe"}, ctx=removed)
