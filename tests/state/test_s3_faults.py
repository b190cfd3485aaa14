"""Faults between sbkube-ci and S3: a lost answer to an applied write, an endpoint that hangs.

A proxy on pytest-httpserver forwards every request to the real moto server and can answer
500 to a PUT *after* moto stored it, as a gateway timing out late would: botocore retries the
PUT and its condition fails against the write it made itself.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sbkube_ci.config.sections import S3State
from sbkube_ci.errors import StateError
from sbkube_ci.state import AppState, StateBackend, StateDocument, s3
from sbkube_ci.state.base import Conflict
from sbkube_ci.state.identity import Identity
from sbkube_ci.state.s3 import S3Store
from tests.fixtures.s3_server import S3Server

_HOP = {"host", "content-length", "transfer-encoding", "connection"}


class LosingProxy:
    """Forwards to moto; ``lose`` PUTs (matched by key suffix) get a 500 after being applied."""

    def __init__(self, server: HTTPServer, target: str) -> None:
        self.target = target
        self.lose: list[str] = []
        self.puts: list[tuple[str, int]] = []
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.url = server.url_for("").rstrip("/")

    def handle(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        url = self.target + request.full_path.rstrip("?")
        answer = requests.request(
            request.method, url, headers=headers, data=request.get_data(), timeout=30
        )
        if request.method == "PUT":
            self.puts.append((request.path, answer.status_code))
        if request.method == "PUT" and answer.ok and self._lost(request.path):
            error = "<Error><Code>InternalError</Code><Message>gateway timeout</Message></Error>"
            return Response(error, status=500, content_type="application/xml")
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
        return Response(answer.content, status=answer.status_code, headers=kept)

    def _lost(self, path: str) -> bool:
        for suffix in self.lose:
            if path.endswith(suffix):
                self.lose.remove(suffix)
                return True
        return False


@pytest.fixture
def proxy(s3_server: S3Server, httpserver: HTTPServer) -> LosingProxy:
    s3_server.create_bucket("deploy-state")
    return LosingProxy(httpserver, s3_server.endpoint_url)


def store(endpoint: str) -> S3Store:
    return S3Store(S3State(bucket="deploy-state", prefix="team", endpoint_url=endpoint))


def bump(doc: StateDocument) -> StateDocument:
    old = doc.apps.get("api")
    doc.apps["api"] = AppState(revision=(old.revision if old else 0) + 1)
    return doc


def test_a_lost_answer_to_an_applied_write_is_our_write_not_a_conflict(proxy: LosingProxy) -> None:
    backend = StateBackend(store(proxy.url), identity=Identity("alice", "pid 1", ""))
    proxy.lose = ["prod/state.json"]
    first = backend.update("prod", bump)  # If-None-Match: * answered 500, retried: 412
    proxy.lose = ["prod/state.json"]
    second = backend.update("prod", bump)  # If-Match answered 500, retried: 412

    assert [status for path, status in proxy.puts] == [200, 412, 200, 412]
    # each mutation applied once: a conflict would have re-run it on our own write
    assert (first.revision, second.revision) == (1, 2)
    assert backend.read_state("prod").apps["api"].revision == 2


def test_a_412_for_someone_elses_write_is_still_a_conflict(proxy: LosingProxy) -> None:
    ours, theirs = store(proxy.url), store(proxy.url)
    version = ours.put("prod/state.json", b"one", expect=None, message="")
    theirs.put("prod/state.json", b"two", expect=version, message="")
    with pytest.raises(Conflict):
        ours.put("prod/state.json", b"two", expect=version, message="")  # same bytes, too
    with pytest.raises(Conflict):
        ours.put("prod/state.json", b"two", expect=None, message="")


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP port that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def test_a_hung_endpoint_times_out_with_one_line(
    silent_endpoint: str, monkeypatch: pytest.MonkeyPatch, s3_server: S3Server
) -> None:
    monkeypatch.setattr(s3, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(s3, "MAX_ATTEMPTS", 2)
    hung = store(silent_endpoint)
    started = time.monotonic()
    with pytest.raises(StateError) as info:
        hung.get("prod/state.json")
    assert time.monotonic() - started < 20
    assert "\n" not in str(info.value)
    assert "Read timeout" in str(info.value) or "timed out" in str(info.value)
    assert hung.client.meta.config.connect_timeout == s3.CONNECT_TIMEOUT
