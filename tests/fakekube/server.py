"""A stateful fake Kubernetes API server speaking real HTTP on 127.0.0.1.

It serves discovery, CRUD, server-side apply, merge patches, dry runs and CRDs well enough for
the official ``kubernetes`` client's DynamicClient, and answers errors as real ``Status``
objects. Faults (RBAC denials, an unresponsive or stopped server) are switched on by tests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakekube.resources import TypeRegistry
from tests.fakekube.routes import Request, Target, dispatch
from tests.fakekube.status import ApiError, forbidden, path_not_found
from tests.fakekube.store import ObjectStore

VERSION_INFO = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0-fake",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_log = logging.getLogger(__name__)
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass(frozen=True)
class _Denial:
    verb: str
    plural: str
    namespace: str | None


class FakeKubeServer:
    """The server and its fault switches; ``start()`` binds a free port on 127.0.0.1."""

    def __init__(
        self, *, crd_established_delay: float = 0.0, user: str = "system:serviceaccount:ci:deployer"
    ) -> None:
        self.registry = TypeRegistry()
        self.store = ObjectStore(self.registry, crd_established_delay)
        self.user = user
        self._denials: list[_Denial] = []
        self._requests: list[tuple[str, str]] = []
        self._throttled: list[tuple[int, str | None]] = []
        self._lock = threading.Lock()
        self._responsive = threading.Event()
        self._responsive.set()
        self._connections: set[socket.socket] = set()
        self._blackhole: list[socket.socket] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"fake": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        httpd.daemon_threads = True
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="fake-kube", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket: new connections are refused, as for a down server."""
        self._responsive.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        # Kept-alive connections would go on being served; a down server drops them.
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections.clear()
        for sock in self._blackhole:
            sock.close()
        self._blackhole.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def blackhole(self) -> None:
        """Stop, and leave the port listening with a full accept queue: connects time out."""
        self.stop()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(0)
        self._blackhole.append(listener)
        # Linux queues backlog + 1 handshakes; later SYNs are dropped, as by a firewall.
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._blackhole.append(filler)

    def forbid(self, verb: str, plural: str, namespace: str | None = None) -> None:
        """RBAC denies ``verb`` on ``plural`` (in ``namespace``, or everywhere when None)."""
        with self._lock:
            self._denials.append(_Denial(verb, plural, namespace))

    def hang(self, enabled: bool = True) -> None:
        """Accept connections but answer nothing until ``hang(False)`` (read timeouts)."""
        if enabled:
            self._responsive.clear()
        else:
            self._responsive.set()

    def throttle(self, times: int, *, code: int = 429, retry_after: str | None = "1") -> None:
        """Answer the next ``times`` requests with ``code`` and this Retry-After header, as API
        Priority and Fairness (429) or an API server between etcd leaders (503) does."""
        with self._lock:
            self._throttled.extend([(code, retry_after)] * times)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path?query) of every request served, oldest first."""
        with self._lock:
            return list(self._requests)

    def handle(self, request: Request) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The status code, body and extra headers of the answer to ``request``."""
        self._responsive.wait()
        with self._lock:
            self._requests.append((request.method, _with_query(request)))
            throttled = self._throttled.pop(0) if self._throttled else None
        if throttled is not None:
            code, retry_after = throttled
            busy = ApiError(code, "TooManyRequests", "too many requests, please try again later")
            return code, busy.status(), {"Retry-After": retry_after} if retry_after else {}
        try:
            return *self._route(request), {}
        except ApiError as error:
            return error.code, error.status(), {}

    def _route(self, request: Request) -> tuple[int, dict[str, Any]]:
        parts = [p for p in request.path.split("/") if p]
        discovery = self._discovery(parts)
        if discovery is not None:
            if request.method != "GET":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method")
            return 200, discovery
        target = self._target(parts)
        verb = _verb(request.method, target)
        self._authorize(verb, target)
        return dispatch(self.store, verb, target, request)

    def _discovery(self, parts: list[str]) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = None
        if parts == ["version"]:
            doc = dict(VERSION_INFO)
        elif parts == ["api"]:
            doc = {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}
                ],
            }
        elif parts == ["apis"]:
            doc = self.registry.group_list()
        elif parts == ["api", "v1"]:
            doc = self.registry.resource_list("", "v1")
        elif len(parts) == 2 and parts[0] == "apis":
            doc = self.registry.group(parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            doc = self.registry.resource_list(parts[1], parts[2])
        else:
            return None
        if doc is None:
            raise path_not_found()
        return doc

    def _target(self, parts: list[str]) -> Target:
        if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
            group, version, rest = "", "v1", parts[2:]
        elif len(parts) >= 4 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise path_not_found()
        if len(rest) >= 3 and rest[0] == "namespaces":
            rtype = self.registry.lookup(group, version, rest[2])
            if rtype is not None and rtype.namespaced and len(rest) <= 5:
                return Target(rtype, rest[1], _at(rest, 3), _at(rest, 4) or "")
        rtype = self.registry.lookup(group, version, rest[0])
        if rtype is None or len(rest) > 3 or (rtype.namespaced and len(rest) > 1):
            raise path_not_found()
        subresource = _at(rest, 2) or ""
        if subresource and subresource not in rtype.subresources:
            raise path_not_found()
        return Target(rtype, None, _at(rest, 1), subresource)

    def _authorize(self, verb: str, target: Target) -> None:
        with self._lock:
            denied = any(
                d.verb == verb
                and d.plural == target.rtype.plural
                and d.namespace in (None, target.namespace)
                for d in self._denials
            )
        if denied:
            raise forbidden(
                self.user,
                verb,
                target.rtype.plural,
                group=target.rtype.group,
                namespace=target.namespace,
                name=target.name or "",
            )


def _at(items: list[str], index: int) -> str | None:
    return items[index] if len(items) > index else None


def _with_query(request: Request) -> str:
    if not request.query:
        return request.path
    return request.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(request.query.items()))


def _verb(method: str, target: Target) -> str:
    if method == "GET":
        return "get" if target.name else "list"
    verb = _METHOD_VERBS.get(method)
    needs_name = verb != "create"
    if (
        verb is None
        or needs_name != bool(target.name)
        or (target.namespace is None and target.rtype.namespaced)
    ):
        raise ApiError(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    return verb


class _Handler(BaseHTTPRequestHandler):
    fake: FakeKubeServer
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections to a real server
    # Headers and body leave in one buffered write with Nagle off; otherwise every answer on a
    # kept-alive connection waits out the client's delayed ACK (~40 ms).
    wbufsize = -1
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.fake.track(self.connection, open_=True)

    def finish(self) -> None:
        self.fake.track(self.connection, open_=False)
        super().finish()

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=split.path,
            query={k: v[-1] for k, v in parse_qs(split.query).items()},
            content_type=(self.headers.get("Content-Type") or "").split(";")[0].strip(),
            user_agent=self.headers.get("User-Agent") or "",
            body=self.rfile.read(length) if length else b"",
        )
        code, answer, headers = self.fake.handle(request)
        payload = json.dumps(answer).encode()
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        # To logging rather than stderr, so pytest shows requests only for failing tests.
        _log.debug(format, *args)
