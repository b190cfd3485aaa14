"""Charts from a real chart repository (helm package + helm repo index, served over HTTP)."""

from __future__ import annotations

import base64
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sbkube_ci.errors import SourceError
from sbkube_ci.sources import prepare_app
from tests.fixtures.chart_repo import TLS, ChartRepo, index_entry, package_chart, self_signed
from tests.fixtures.net import free_port
from tests.sources.conftest import MakeContext


def _helm_app(chart: str, version: str | None = None) -> dict[str, object]:
    app: dict[str, object] = {"type": "helm", "chart": chart}
    if version is not None:
        app["version"] = version
    return app


def test_resolves_range_downloads_and_unpacks(chart_repo: ChartRepo, make_ctx: MakeContext) -> None:
    for version in ("1.2.0", "1.2.7", "1.3.0", "2.0.0", "1.2.9-rc.1"):
        chart_repo.add("web", version)
    ctx = make_ctx(
        {"web": _helm_app("stable/web", "~1.2")}, {"helm_repos": {"stable": chart_repo.url}}
    )
    prepared = prepare_app("web", ctx.project.config.apps["web"], ctx)
    assert prepared.pin.version == "1.2.7"
    assert prepared.pin.kind == "helm_repo"
    index = yaml.safe_load((chart_repo.root / "charts" / "index.yaml").read_text())
    entry = next(e for e in index["entries"]["web"] if e["version"] == "1.2.7")
    assert prepared.pin.digest == "sha256:" + entry["digest"]
    chart = yaml.safe_load((prepared.path / "Chart.yaml").read_text())
    assert chart["version"] == "1.2.7"
    assert prepared.path.is_relative_to(ctx.cache_dir)


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (None, "2.0.0"),
        ("^1.2", "1.3.0"),
        (">=1 <2", "1.3.0"),
        ("1.2.x", "1.2.7"),
        ("1.2.9-rc.1", "1.2.9-rc.1"),
    ],
)
def test_version_selection(
    chart_repo: ChartRepo, make_ctx: MakeContext, constraint: str | None, expected: str
) -> None:
    for version in ("1.2.7", "1.3.0", "2.0.0", "2.1.0-beta.1", "1.2.9-rc.1"):
        chart_repo.add("web", version)
    ctx = make_ctx({"web": _helm_app("r/web", constraint)}, {"helm_repos": {"r": chart_repo.url}})
    source_pin = prepare_app("web", ctx.project.config.apps["web"], ctx).pin
    assert source_pin.version == expected


def test_basic_auth(
    chart_repo_factory: Callable[..., ChartRepo],
    make_ctx: MakeContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo: ChartRepo = chart_repo_factory(auth=("reader", "pa55word"))
    repo.add("api", "0.1.0")
    settings = {
        "helm_repos": {"priv": {"url": repo.url, "username": "reader", "password": "${REPO_PW}"}}
    }
    monkeypatch.setenv("REPO_PW", "pa55word")
    ctx = make_ctx({"api": _helm_app("priv/api")}, settings)
    assert prepare_app("api", ctx.project.config.apps["api"], ctx).pin.version == "0.1.0"

    monkeypatch.setenv("REPO_PW", "wrong")
    ctx = make_ctx({"api": _helm_app("priv/api")}, settings)
    with pytest.raises(SourceError, match=r"apps\.api: .*HTTP 401.*username and password") as err:
        prepare_app("api", ctx.project.config.apps["api"], ctx)
    assert "wrong" not in str(err.value)


def test_unreachable_repository_names_url_and_app(make_ctx: MakeContext) -> None:
    url = f"http://127.0.0.1:{free_port()}/charts"
    ctx = make_ctx({"db": _helm_app("gone/db")}, {"helm_repos": {"gone": url}})
    with pytest.raises(SourceError, match=rf"^apps\.db: cannot reach {url}/index.yaml") as err:
        prepare_app("db", ctx.project.config.apps["db"], ctx)
    assert "\n" not in str(err.value)


def test_missing_version_lists_nearest(chart_repo: ChartRepo, make_ctx: MakeContext) -> None:
    for version in ("1.0.0", "1.1.0", "1.4.0", "3.0.0"):
        chart_repo.add("web", version)
    ctx = make_ctx({"web": _helm_app("r/web", "~1.2")}, {"helm_repos": {"r": chart_repo.url}})
    with pytest.raises(SourceError) as err:
        prepare_app("web", ctx.project.config.apps["web"], ctx)
    message = str(err.value)
    assert message.startswith("apps.web: chart web has no version '~1.2'")
    assert "nearest available: 1.0.0, 1.1.0, 1.4.0, 3.0.0" in message


def test_missing_chart_suggests_names(chart_repo: ChartRepo, make_ctx: MakeContext) -> None:
    chart_repo.add("postgresql", "1.0.0")
    ctx = make_ctx({"db": _helm_app("r/postgres")}, {"helm_repos": {"r": chart_repo.url}})
    with pytest.raises(
        SourceError, match=r"apps\.db: chart 'postgres' is not in .*did you mean postgresql"
    ):
        prepare_app("db", ctx.project.config.apps["db"], ctx)


def test_digest_mismatch_is_refused(chart_repo: ChartRepo, make_ctx: MakeContext) -> None:
    archive = chart_repo.add("web", "1.0.0")
    other = chart_repo.root.parent / "other"
    replacement = package_chart(other, "web", "1.0.0", other / "out", message="tampered")
    archive.write_bytes(replacement.read_bytes())  # the index still states the old digest
    ctx = make_ctx({"web": _helm_app("r/web")}, {"helm_repos": {"r": chart_repo.url}})
    with pytest.raises(SourceError, match=r"^apps\.web: digest mismatch for .*web-1\.0\.0\.tgz"):
        prepare_app("web", ctx.project.config.apps["web"], ctx)
    assert not list((ctx.cache_dir / "charts").glob("*/*"))


def test_unsafe_archive_is_refused_and_nothing_extracted(
    chart_repo: ChartRepo, make_ctx: MakeContext
) -> None:
    evil = chart_repo.root.parent / "evil-1.0.0.tgz"
    payload = chart_repo.root.parent / "payload.txt"
    payload.write_text("owned\n")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, arcname="evil/Chart.yaml")
        tar.add(payload, arcname="evil/../../escaped.txt")
    chart_repo.add_raw("evil", "1.0.0", evil)
    ctx = make_ctx({"evil": _helm_app("r/evil")}, {"helm_repos": {"r": chart_repo.url}})
    with pytest.raises(
        SourceError, match=r"^apps\.evil: .*unsafe archive, .*escaped\.txt.*nothing extracted"
    ):
        prepare_app("evil", ctx.project.config.apps["evil"], ctx)
    assert not list(ctx.cache_dir.rglob("escaped.txt"))
    assert not list(ctx.cache_dir.rglob("Chart.yaml"))
    assert not (ctx.cache_dir.parent / "escaped.txt").exists()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_with_custom_ca_and_client_certificate(
    chart_repo_factory: Callable[..., ChartRepo], make_ctx: MakeContext, tmp_path: Path
) -> None:
    server_cert, server_key = self_signed(tmp_path, "server")
    client_cert, client_key = self_signed(tmp_path, "client")
    repo = chart_repo_factory(tls=TLS(server_cert, server_key, client_ca=client_cert))
    repo.add("web", "1.0.0")
    settings = {
        "helm_repos": {
            "tls": {
                "url": repo.url,
                "ca_file": str(server_cert),
                "cert_file": str(client_cert),
                "key_file": str(client_key),
            }
        }
    }
    ctx = make_ctx({"web": _helm_app("tls/web")}, settings)
    assert prepare_app("web", ctx.project.config.apps["web"], ctx).pin.version == "1.0.0"

    no_client_cert = {"helm_repos": {"tls": {"url": repo.url, "ca_file": str(server_cert)}}}
    ctx = make_ctx({"web": _helm_app("tls/web")}, no_client_cert)
    with pytest.raises(SourceError, match=r"^apps\.web: "):  # the server demands a client cert
        prepare_app("web", ctx.project.config.apps["web"], ctx)

    no_ca = {
        "helm_repos": {
            "tls": {"url": repo.url, "cert_file": str(client_cert), "key_file": str(client_key)}
        }
    }
    ctx = make_ctx({"web": _helm_app("tls/web")}, no_ca)
    with pytest.raises(SourceError, match=r"^apps\.web: TLS failed for https://.*set ca_file"):
        prepare_app("web", ctx.project.config.apps["web"], ctx)

    insecure = {
        "helm_repos": {"tls": {**no_ca["helm_repos"]["tls"], "insecure_skip_tls_verify": True}}
    }
    ctx = make_ctx({"web": _helm_app("tls/web")}, insecure)
    assert prepare_app("web", ctx.project.config.apps["web"], ctx).pin.version == "1.0.0"


def _index_pointing_at(repo: ChartRepo, mirror: ChartRepo, name: str, version: str) -> None:
    """``repo``'s index lists ``name`` with its archive on ``mirror`` (another host:port)."""
    archive = mirror.add(name, version)
    entry = index_entry(name, version, archive, f"{mirror.url}/{archive.name}")
    index = {"apiVersion": "v1", "entries": {name: [entry]}}
    (repo.root / "charts" / "index.yaml").write_text(yaml.safe_dump(index))


@pytest.mark.parametrize("pass_credentials", [False, True])
def test_repository_credentials_go_to_another_host_only_when_asked(
    chart_repo_factory: Callable[..., ChartRepo],
    make_ctx: MakeContext,
    monkeypatch: pytest.MonkeyPatch,
    pass_credentials: bool,
) -> None:
    repo: ChartRepo = chart_repo_factory(auth=("reader", "pa55word-6174"))
    mirror: ChartRepo = chart_repo_factory()  # the attacker's host named in the index
    _index_pointing_at(repo, mirror, "api", "0.1.0")
    monkeypatch.setenv("REPO_PW", "pa55word-6174")
    settings = {
        "helm_repos": {
            "priv": {
                "url": repo.url,
                "username": "reader",
                "password": "${REPO_PW}",
                "pass_credentials": pass_credentials,
            }
        }
    }
    ctx = make_ctx({"api": _helm_app("priv/api")}, settings)

    assert prepare_app("api", ctx.project.config.apps["api"], ctx).pin.version == "0.1.0"

    assert repo.authorizations  # the repository's own host got them on every request
    assert all(repo.authorizations)
    requests = zip(mirror.requests, mirror.authorizations, strict=True)
    archive_requests = [auth for path, auth in requests if ".tgz" in path]
    assert len(archive_requests) == 1
    expected = "Basic " + base64.b64encode(b"reader:pa55word-6174").decode()
    assert archive_requests == [expected if pass_credentials else None]
