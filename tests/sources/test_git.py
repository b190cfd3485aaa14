"""Git sources against a real ``git daemon`` and file:// repositories."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from sbkube_ci.config.apps import split_git_chart
from sbkube_ci.errors import ConfigProblems, SourceError
from sbkube_ci.sources import prepare_app
from tests.fixtures.git_server import GitServer, git
from tests.fixtures.net import free_port
from tests.sources.conftest import MakeContext
from tests.sources.git_http import GitHttpServer

CHART = {
    "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
    "charts/api/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\n",
    "manifests/deploy.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n",
}


def test_git_app_branch_resolves_to_commit(git_server: GitServer, make_ctx: MakeContext) -> None:
    first = git_server.create("infra", CHART)
    second = git_server.commit("infra", {"manifests/extra.yaml": "x: 1\n"}, message="more")
    settings = {"git_repos": {"infra": {"url": git_server.url("infra"), "branch": "main"}}}
    ctx = make_ctx({"ns": {"type": "git", "repo": "infra", "path": "manifests"}}, settings)
    prepared = prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    assert prepared.pin.kind == "git"
    assert prepared.pin.digest == second != first
    assert sorted(p.name for p in prepared.path.iterdir()) == ["deploy.yaml", "extra.yaml"]
    assert not (prepared.path.parent / ".git").exists()


def test_git_app_pinned_ref_and_file_url(git_server: GitServer, make_ctx: MakeContext) -> None:
    first = git_server.create("infra", CHART)
    git_server.commit("infra", {"manifests/extra.yaml": "x: 1\n"}, message="more")
    app = {"type": "git", "repo": git_server.file_url("infra"), "path": "manifests", "ref": first}
    ctx = make_ctx({"ns": app})
    prepared = prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    assert prepared.pin.digest == first
    assert [p.name for p in prepared.path.iterdir()] == ["deploy.yaml"]


def test_helm_chart_in_git_with_tag(git_server: GitServer, make_ctx: MakeContext) -> None:
    git_server.create("charts", CHART)
    work = git_server.root / ".work-charts"
    git("tag", "v0.1.0", cwd=work)
    git("push", "-q", "origin", "v0.1.0", cwd=work)
    tagged = git("rev-parse", "HEAD", cwd=work)
    git_server.commit("charts", {"charts/api/values.yaml": "a: 1\n"}, message="later")
    settings = {"git_repos": {"charts": {"url": git_server.url("charts")}}}
    app = {"type": "helm", "chart": "git::charts//charts/api", "version": "v0.1.0"}
    ctx = make_ctx({"api": app}, settings)
    prepared = prepare_app("api", ctx.project.config.apps["api"], ctx)
    assert prepared.pin.digest == tagged
    assert yaml.safe_load((prepared.path / "Chart.yaml").read_text())["name"] == "api"
    assert not (prepared.path / "values.yaml").exists()


@pytest.mark.parametrize(
    "url",
    [
        "ext::sh -c touch% /tmp/pwned",
        "fd::17",
        "--upload-pack=touch /tmp/pwned",
        "-oProxy=x",
        "ext::sh -c 'x://y'",
    ],
)
def test_dangerous_urls_are_refused(make_ctx: MakeContext, url: str) -> None:
    settings = {"git_repos": {"bad": {"url": url}}}
    with pytest.raises(ConfigProblems) as err:  # validate refuses it at its line
        make_ctx({"bad": {"type": "git", "repo": "bad"}}, settings)
    [line] = err.value.problems
    assert ": settings.git_repos.bad.url: " in line


@pytest.mark.parametrize("url", ["ext::sh -c touch% /tmp/pwned", "fd::17", "-oProxy=x"])
def test_dangerous_urls_are_refused_again_before_git_runs(
    git_server: GitServer, make_ctx: MakeContext, url: str
) -> None:
    git_server.create("infra", CHART)
    settings = {"git_repos": {"bad": {"url": git_server.url("infra")}}}
    ctx = make_ctx({"bad": {"type": "git", "repo": "bad"}}, settings)
    ctx.project.config.settings.git_repos["bad"].url = url  # changed after validation
    with pytest.raises(SourceError, match=r"^apps\.bad: Git URL .* is refused") as err:
        prepare_app("bad", ctx.project.config.apps["bad"], ctx)
    assert "\n" not in str(err.value)


def test_dangerous_url_written_in_the_app_is_refused(make_ctx: MakeContext) -> None:
    with pytest.raises(ConfigProblems) as err:
        make_ctx({"bad": {"type": "git", "repo": "ext::sh -c 'touch /tmp/pwned' ://x"}})
    [line] = err.value.problems
    assert ": apps.bad.repo: Git transport helpers (ext::, fd::, ...) run commands" in line


def test_ref_starting_with_dash_is_refused(git_server: GitServer, make_ctx: MakeContext) -> None:
    git_server.create("infra", CHART)
    app = {"type": "git", "repo": git_server.url("infra"), "ref": "--upload-pack=touch /tmp/x"}
    with pytest.raises(ConfigProblems) as err:
        make_ctx({"bad": app})
    [line] = err.value.problems
    assert ": apps.bad.ref: refused: it starts with '-'" in line
    ctx = make_ctx({"bad": {**app, "ref": "main"}})
    ctx.project.config.apps["bad"].ref = "--upload-pack=touch /tmp/x"  # changed after validation
    with pytest.raises(SourceError, match=r"^apps\.bad: Git ref .* is refused"):
        prepare_app("bad", ctx.project.config.apps["bad"], ctx)


def test_missing_ref(git_server: GitServer, make_ctx: MakeContext) -> None:
    git_server.create("infra", CHART)
    ctx = make_ctx({"ns": {"type": "git", "repo": git_server.url("infra"), "branch": "nope"}})
    with pytest.raises(SourceError, match=r"^apps\.ns: ref 'nope' not found in git://"):
        prepare_app("ns", ctx.project.config.apps["ns"], ctx)


def test_unreachable_git_server(make_ctx: MakeContext) -> None:
    url = f"git://127.0.0.1:{free_port()}/none.git"
    ctx = make_ctx({"ns": {"type": "git", "repo": url}})
    with pytest.raises(SourceError, match=rf"^apps\.ns: git ls-remote {url}: exit 128"):
        prepare_app("ns", ctx.project.config.apps["ns"], ctx)


def test_symlink_out_of_repository_is_refused(git_server: GitServer, make_ctx: MakeContext) -> None:
    git_server.create("evil", {"manifests/ok.yaml": "a: 1\n"})
    work = git_server.root / ".work-evil"
    (work / "manifests" / "passwd").symlink_to("/etc/passwd")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "link", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)
    ctx = make_ctx({"ns": {"type": "git", "repo": git_server.url("evil"), "path": "manifests"}})
    with pytest.raises(SourceError, match=r"^apps\.ns: .*symlink .*passwd.*nothing extracted"):
        prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    assert not list((ctx.cache_dir / "git").glob("*/*"))


def test_http_credentials_via_askpass_never_stored(
    git_server: GitServer,
    git_http_server: GitHttpServer,
    make_ctx: MakeContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sha = git_server.create("infra", CHART)
    monkeypatch.setenv("GIT_PW", "hunter2-secret")
    url = git_http_server.url("infra")
    settings = {"git_repos": {"infra": {"url": url, "username": "bot", "password": "${GIT_PW}"}}}
    ctx = make_ctx({"ns": {"type": "git", "repo": "infra", "path": "manifests"}}, settings)
    prepared = prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    assert prepared.pin.digest == sha
    assert any(a.startswith("Basic ") for a in git_http_server.requests)  # auth was used
    for path in ctx.work_dir.rglob("*"):
        if path.is_file():
            assert b"hunter2-secret" not in path.read_bytes(), path

    monkeypatch.setenv("GIT_PW", "wrong-password")
    ctx = make_ctx({"ns": {"type": "git", "repo": "infra", "path": "manifests"}}, settings)
    with pytest.raises(SourceError, match=rf"^apps\.ns: git ls-remote {url}: exit 128") as err:
        prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    assert "wrong-password" not in str(err.value)
    assert "\n" not in str(err.value)


def test_undeclared_repository_key_in_chart(make_ctx: MakeContext) -> None:
    ctx = make_ctx({"api": {"type": "helm", "chart": "git::platfrom//charts/api"}})
    with pytest.raises(SourceError, match=r"^apps\.api: Git repository 'platfrom' is not in "):
        prepare_app("api", ctx.project.config.apps["api"], ctx)


class _RedirectHandler(BaseHTTPRequestHandler):
    """Sends every request to another host:port, as a hostile or hijacked server could."""

    target = ""

    def do_GET(self) -> None:
        self.send_response(301)
        self.send_header("Location", self.target + self.path)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_git_credentials_are_not_given_to_the_host_a_redirect_leads_to(
    git_server: GitServer,
    git_http_server: GitHttpServer,
    make_ctx: MakeContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    git_server.create("infra", CHART)
    handler = type(
        "Handler", (_RedirectHandler,), {"target": f"http://127.0.0.1:{git_http_server.port}"}
    )
    front = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("GIT_PW", "hunter2-secret")
        url = f"http://127.0.0.1:{front.server_address[1]}/infra.git"
        settings = {
            "git_repos": {"infra": {"url": url, "username": "bot", "password": "${GIT_PW}"}}
        }
        ctx = make_ctx({"ns": {"type": "git", "repo": "infra", "path": "manifests"}}, settings)
        with pytest.raises(SourceError, match=r"^apps\.ns: git ls-remote "):
            prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    finally:
        front.shutdown()
        front.server_close()
    assert git_http_server.requests  # git did follow the redirect...
    assert not any(git_http_server.requests)  # ...but sent no credentials there


@pytest.mark.parametrize(
    ("chart", "expected"),
    [
        ("git::charts//charts/api", ("charts", "charts/api")),
        (
            "git::https://git.test/org/charts.git//charts/api",
            ("https://git.test/org/charts.git", "charts/api"),
        ),
        ("git::git://127.0.0.1:9418/charts.git//web", ("git://127.0.0.1:9418/charts.git", "web")),
        (
            "git::git@git.test:org/charts.git//charts/api",
            ("git@git.test:org/charts.git", "charts/api"),
        ),
        ("git::https://git.test/org/charts.git", ("https://git.test/org/charts.git", "")),
    ],
)
def test_a_git_chart_splits_after_the_url_scheme(chart: str, expected: tuple[str, str]) -> None:
    assert split_git_chart(chart) == expected
