"""What the receivers share: JSON answers, and requests recorded for contract asserts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers or {}, mimetype="application/json"
    )


def record(request: Request) -> Recorded:
    query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
    body = json.loads(request.get_data(as_text=True)) if request.get_data() else None
    return Recorded(request.method, request.path, query, dict(request.headers), body)


@dataclass
class RestApi:
    """A REST API that answers every path on ``server``: records requests, fails on demand."""

    server: HTTPServer
    #: answers given to the next requests, before any other handling
    failures: list[Response] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def install(self) -> Self:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._receive)
        return self

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method]

    def _receive(self, request: Request) -> Response:
        self.requests.append(record(request))
        if self.failures:
            return self.failures.pop(0)
        return self.handle(request)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError
