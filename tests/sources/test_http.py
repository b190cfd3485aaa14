"""``type: http`` apps against a real HTTP server (pytest-httpserver)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sbkube_ci.errors import ConfigProblems, SourceError
from sbkube_ci.sources import prepare_app
from tests.sources.conftest import MakeContext

BODY = b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fetched\n"


def http_app(server: HTTPServer, path: str, dest: str, **fields: Any) -> dict[str, Any]:
    """A ``type: http`` app that downloads ``path`` of ``server`` to ``dest``."""
    return {"type": "http", "url": server.url_for(path), "dest": dest, **fields}


def test_download_to_dest_with_expanded_header(
    httpserver: HTTPServer, make_ctx: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DL_TOKEN", "tok-123")
    httpserver.expect_request(
        "/ns.yaml", headers={"Authorization": "Bearer tok-123"}
    ).respond_with_data(BODY)
    app = http_app(
        httpserver, "/ns.yaml", "manifests/ns.yaml", headers={"Authorization": "Bearer ${DL_TOKEN}"}
    )
    ctx = make_ctx({"ns": app})
    prepared = prepare_app("ns", ctx.project.config.apps["ns"], ctx)
    assert (prepared.path / "manifests" / "ns.yaml").read_bytes() == BODY
    assert prepared.pin.digest == "sha256:" + hashlib.sha256(BODY).hexdigest()
    assert "tok-123" not in str(prepared.pin.as_dict())


def test_size_limit_refuses_bigger_files(httpserver: HTTPServer, make_ctx: MakeContext) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 4096)
    ctx = make_ctx({"big": http_app(httpserver, "/big", "b")})
    ctx.max_download_bytes = 1024
    with pytest.raises(
        SourceError,
        match=r"^apps\.big: .*/big is larger than the 1024 byte download limit; refused$",
    ):
        prepare_app("big", ctx.project.config.apps["big"], ctx)
    assert not list((ctx.cache_dir / "http").glob("*/*"))


def test_size_limit_while_streaming_without_length(
    httpserver: HTTPServer, make_ctx: MakeContext
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(8):
            yield b"y" * 512

    httpserver.expect_request("/stream").respond_with_response(Response(chunks()))
    ctx = make_ctx({"s": http_app(httpserver, "/stream", "s")})
    ctx.max_download_bytes = 1024
    with pytest.raises(SourceError, match=r"larger than the .* download limit; refused"):
        prepare_app("s", ctx.project.config.apps["s"], ctx)


def test_missing_header_variable(httpserver: HTTPServer, make_ctx: MakeContext) -> None:
    app = http_app(httpserver, "/x", "x", headers={"X-Token": "${SBKUBE_TEST_UNSET_VAR}"})
    ctx = make_ctx({"x": app})
    with pytest.raises(SourceError, match=r"apps\.x\.headers: .*SBKUBE_TEST_UNSET_VAR is not set"):
        prepare_app("x", ctx.project.config.apps["x"], ctx)


def test_dest_must_stay_inside(httpserver: HTTPServer, make_ctx: MakeContext) -> None:
    app = http_app(httpserver, "/x", "../x")
    with pytest.raises(ConfigProblems) as refused:  # validate refuses it at its line
        make_ctx({"x": app})
    [line] = refused.value.problems
    assert ": apps.x.dest: ../x must be a relative path without '..'" in line
    ctx = make_ctx({"x": {**app, "dest": "x"}})
    ctx.project.config.apps["x"].dest = "../x"  # type: ignore[union-attr]  # after validation
    with pytest.raises(SourceError, match=r"apps\.x\.dest: '\.\./x' must be a relative file"):
        prepare_app("x", ctx.project.config.apps["x"], ctx)


def test_not_found(httpserver: HTTPServer, make_ctx: MakeContext) -> None:
    httpserver.expect_request("/none").respond_with_data(b"no", status=404)
    ctx = make_ctx({"x": http_app(httpserver, "/none", "x")})
    with pytest.raises(SourceError, match=r"^apps\.x: http://.*/none answered HTTP 404$"):
        prepare_app("x", ctx.project.config.apps["x"], ctx)


@pytest.fixture
def other_host() -> Iterator[HTTPServer]:
    """A second server: another host:port, as an attacker's redirect target would be."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


CREDENTIAL_HEADERS = {
    "Authorization": "Bearer ${DL_TOKEN}",
    "X-Api-Key": "${DL_KEY}",
    "Private-Token": "${DL_KEY}",
    "Cookie": "session=${DL_TOKEN}",
}


def test_credential_headers_are_dropped_on_a_redirect_to_another_host(
    httpserver: HTTPServer,
    other_host: HTTPServer,
    make_ctx: MakeContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DL_TOKEN", "tok-8a1f")
    monkeypatch.setenv("DL_KEY", "key-77c2")
    httpserver.expect_request("/ns.yaml").respond_with_response(
        Response(status=302, headers={"Location": other_host.url_for("/hop")})
    )
    # a second hop back to a path of the same foreign host must not regain the credentials
    other_host.expect_request("/hop").respond_with_response(
        Response(status=307, headers={"Location": "/final.yaml"})
    )
    other_host.expect_request("/final.yaml").respond_with_data(BODY)
    headers = {**CREDENTIAL_HEADERS, "Accept": "application/yaml"}
    app = http_app(httpserver, "/ns.yaml", "ns.yaml", headers=headers)
    ctx = make_ctx({"ns": app})

    prepared = prepare_app("ns", ctx.project.config.apps["ns"], ctx)

    assert (prepared.path / "ns.yaml").read_bytes() == BODY
    [(first, _)] = httpserver.log
    assert first.headers["X-Api-Key"] == "key-77c2"  # the configured host gets them
    foreign = [request for request, _ in other_host.log]
    assert [r.path for r in foreign] == ["/hop", "/final.yaml"]
    for request in foreign:
        assert request.headers.get("Accept") == "application/yaml"
        sent = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        assert "tok-8a1f" not in sent
        assert "key-77c2" not in sent


def test_credential_headers_follow_a_redirect_on_the_same_host(
    httpserver: HTTPServer, make_ctx: MakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DL_TOKEN", "tok-8a1f")
    monkeypatch.setenv("DL_KEY", "key-77c2")
    httpserver.expect_request("/old").respond_with_response(
        Response(status=301, headers={"Location": "/new"})
    )
    httpserver.expect_request("/new", headers={"X-Api-Key": "key-77c2"}).respond_with_data(BODY)
    app = http_app(httpserver, "/old", "ns.yaml", headers=CREDENTIAL_HEADERS)
    ctx = make_ctx({"ns": app})
    assert (prepare_app("ns", ctx.project.config.apps["ns"], ctx).path / "ns.yaml").exists()
