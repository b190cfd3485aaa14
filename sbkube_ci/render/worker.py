"""The render worker: one long-lived process that renders charts as ``helm template`` does.

``tools/render-worker`` is a small Go program built from ``helm.sh/helm/v4`` (and the
kustomize API, for ``kubectl kustomize``'s part); it reads one
JSON request per line and answers one JSON line per request, tagged with the request's id,
rendering requests concurrently. Starting ``helm`` costs ~50 ms per render; a request to the
worker costs about a millisecond, so a cold run of many apps is no longer bound by process
starts. ``RenderWorker`` is shared by the render threads of a run: each ``template`` call
writes its request and waits for its own answer.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import threading
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO, Any

from sbkube_ci import _proc
from sbkube_ci.errors import RenderError

WORKER_BINARY = "sbkube-render-worker"
_PROTOCOL = "sbkube-ci-render-worker/1"
_START_TIMEOUT = 30.0


class WorkerFailed(RenderError):
    """The worker process itself failed (not a chart): the caller may fall back to the CLI."""


class RenderWorker:
    """A running render worker; ``helm_version`` and ``kustomize_version`` are the helm and
    kustomize it is built from."""

    def __init__(self, binary: str, env: dict[str, str]) -> None:
        self._proc = _proc.start([binary], env=env, error=WorkerFailed)
        self._stdin: IO[bytes] = _pipe(self._proc.stdin)
        self._stdout: IO[bytes] = _pipe(self._proc.stdout)
        self._stderr_tail: deque[str] = deque(maxlen=5)
        self._pending: dict[int, Future[str]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.helm_version = ""
        self.kustomize_version = ""
        self._hello()
        threading.Thread(target=self._read, daemon=True).start()

    def template(self, request: dict[str, Any], *, timeout: float) -> str:
        """The rendered manifests of ``request``; helm's error raises ``RenderError``
        with helm's message, a dead worker raises ``WorkerFailed``."""
        future: Future[str] = Future()
        with self._lock:
            if self._closed:
                raise WorkerFailed(f"the render worker has exited: {self._why()}")
            request_id = next(self._ids)
            self._pending[request_id] = future
            line = json.dumps({**request, "id": request_id}) + "\n"
            try:
                self._stdin.write(line.encode("utf-8"))
                self._stdin.flush()
            except OSError as exc:
                self._pending.pop(request_id, None)
                raise WorkerFailed(f"the render worker has exited: {exc}") from exc
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            with self._lock:
                self._pending.pop(request_id, None)
            raise RenderError(f"the render worker did not answer within {timeout:g}s") from None

    def close(self) -> None:
        """End the worker: close its stdin (it finishes what it has), wait, then kill."""
        with self._lock:
            self._closed = True
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _hello(self) -> None:
        """Read the worker's first line (its protocol and helm version) or fail clearly."""
        answer: Future[bytes] = Future()
        threading.Thread(
            target=lambda: answer.set_result(self._stdout.readline()), daemon=True
        ).start()
        try:
            line = answer.result(timeout=_START_TIMEOUT)
            hello = json.loads(line)
        except (FutureTimeout, ValueError):
            self._proc.kill()
            raise WorkerFailed(f"the render worker did not start: {self._why()}") from None
        if not isinstance(hello, dict) or hello.get("worker") != _PROTOCOL:
            self._proc.kill()
            raise WorkerFailed(f"the render worker speaks another protocol: {line[:200]!r}")
        self.helm_version = str(hello.get("helm_version", ""))
        self.kustomize_version = str(hello.get("kustomize_version", ""))

    def _read(self) -> None:
        for line in self._stdout:
            try:
                answer = json.loads(line)
                request_id = int(answer["id"])
            except (ValueError, KeyError, TypeError):
                continue
            with self._lock:
                future = self._pending.pop(request_id, None)
            if future is None:
                continue
            if answer.get("error"):
                future.set_exception(RenderError(str(answer["error"])))
            else:
                future.set_result(str(answer.get("manifest", "")))
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(WorkerFailed(f"the render worker has exited: {self._why()}"))

    def _drain_stderr(self) -> None:
        # Read stderr continuously so a chatty worker never blocks on a full pipe.
        for raw in _pipe(self._proc.stderr):
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._stderr_tail.append(line)

    def _why(self) -> str:
        code = self._proc.poll()
        tail = " | ".join(self._stderr_tail) or "no output"
        return f"exit {code}: {tail}" if code is not None else tail


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:  # pragma: no cover - _proc.start always asks for pipes
        raise WorkerFailed("the render worker has no pipe")
    return stream
