"""Git's smart HTTP protocol with basic auth: ``git http-backend`` run as CGI per request."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.git_server import GitServer


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args: Any, server_info: GitHttpServer, **kwargs: Any) -> None:
        self.info = server_info
        super().__init__(*args, **kwargs)

    def _authorized(self) -> bool:
        user, password = self.info.auth
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def _serve(self) -> None:
        self.info.requests.append(self.headers.get("Authorization", ""))
        if not self._authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = {
            **os.environ,
            "GIT_PROJECT_ROOT": str(self.info.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": self.info.auth[0],
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        out = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        ).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = next((int(h.split()[1]) for h in lines if h.startswith("Status:")), 200)
        self.send_response(status)
        for line in lines:
            name, _, value = line.partition(": ")
            if name and name != "Status":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class GitHttpServer:
    root: Path
    auth: tuple[str, str]
    port: int = 0
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}.git"


@pytest.fixture
def git_http_server(git_server: GitServer) -> Iterator[GitHttpServer]:
    """Smart HTTP over the ``git_server`` repositories (user bot, password hunter2-secret)."""
    info = GitHttpServer(git_server.root, ("bot", "hunter2-secret"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, server_info=info))
    info.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield info
    server.shutdown()
    server.server_close()
