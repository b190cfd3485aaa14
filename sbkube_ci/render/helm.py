"""``helm template`` with sbkube-ci's own helm directories, never the user's.

Rendering needs no cluster: the Kubernetes version and API versions come from the cluster's
config (``kube_version``, ``api_versions``).

Two engines give the same output: the render worker (``render/worker.py``, one process for
the whole run) when it is installed and built from the same helm major.minor as the helm
CLI, else the helm CLI, one process per render, after a one-line notice on stderr (none when
the helm in use is Helm 3, chosen by the user: the worker is Helm 4 only).
``SBKUBE_RENDER_ENGINE=cli|worker`` forces one (``worker`` fails instead of falling back).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sbkube_ci import _proc
from sbkube_ci._helm import (
    helm_binary,
    helm_major,
    helm_message,
    isolated_env,
    isolated_flags,
    wrong_major,
)
from sbkube_ci.errors import RenderError
from sbkube_ci.render.digest import major_minor
from sbkube_ci.render.tools import ToolVersions
from sbkube_ci.render.worker import WORKER_BINARY, RenderWorker, WorkerFailed

ENGINE_ENV = "SBKUBE_RENDER_ENGINE"
ENGINES = ("auto", "worker", "cli")

_ANY_EXIT = range(256)


@dataclass(frozen=True)
class TemplateRequest:
    release: str
    chart: Path
    values_file: Path
    namespace: str
    kube_version: str | None
    api_versions: tuple[str, ...]
    where: str  # "apps.web on cluster prod", for errors


class Helm:
    """The helm binary with isolated config, cache and registry files under ``home``."""

    def __init__(
        self,
        home: Path,
        tools: ToolVersions,
        timeout: float,
        *,
        major: int | None = None,
        engine: str | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.home = home
        self._tools = tools
        self._timeout = timeout
        self._major = major  # settings.helm_version
        self.binary = helm_binary(major)
        self._engine = engine or os.environ.get(ENGINE_ENV, "").strip() or "auto"
        if self._engine not in ENGINES:
            raise RenderError(f"{ENGINE_ENV}={self._engine}: expected one of {', '.join(ENGINES)}")
        self._notice = notice or _print_notice
        self._worker: RenderWorker | None = None
        self._worker_checked = False
        self._worker_lock = threading.Lock()

    def env(self) -> dict[str, str]:
        return isolated_env(self.home)

    def global_flags(self) -> list[str]:
        return isolated_flags(self.home)

    def version(self) -> str:
        """helm's version (``v4.3.1``), asked once per binary (see ``ToolVersions``)."""
        version = self._tools.version(self.binary, self._ask_version)
        problem = wrong_major(self.binary, version, self._major)
        if problem:
            raise RenderError(problem)
        return version

    @property
    def engine(self) -> str:
        """``worker`` or ``cli``: the engine the renders so far used (``cli`` before any)."""
        return "worker" if self._worker is not None else "cli"

    def close(self) -> None:
        """Stop the render worker, if one was started."""
        with self._worker_lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    def _ask_version(self, binary: str) -> str:
        result = _proc.run(
            [binary, "version", "--template", "{{.Version}}"],
            env=self.env(),
            timeout=60,
            error=RenderError,
        )
        return result.stdout.strip()

    def template(self, request: TemplateRequest) -> str:
        """The rendered manifests; a failure is one line with the app and helm's message."""
        worker = self._running_worker()
        if worker is not None:
            try:
                return worker.template(_worker_request(request), timeout=self._timeout)
            except WorkerFailed as exc:
                self._drop_worker(worker, str(exc))
            except RenderError as exc:
                message = helm_message(f"Error: {exc}")
                raise RenderError(f"{request.where}: helm template failed: {message}") from None
        return self._template_cli(request)

    def worker(self) -> RenderWorker | None:
        """The render worker, started on first use; None when the CLI renders."""
        return self._running_worker()

    def _running_worker(self) -> RenderWorker | None:
        with self._worker_lock:
            if not self._worker_checked:
                self._worker_checked = True
                self._worker = self._start_worker()
            return self._worker

    def _start_worker(self) -> RenderWorker | None:
        if self._engine == "cli":
            return None
        binary = shutil.which(WORKER_BINARY)
        if binary is None:
            reason = f"{WORKER_BINARY} is not on PATH (scripts/bootstrap builds it)"
        else:
            try:
                worker = RenderWorker(binary, self.env())
            except WorkerFailed as exc:
                reason = str(exc)
            else:
                usable, reason = self._fits(worker)
                if usable:
                    return worker
                worker.close()
                if not reason:
                    return None  # helm 3 chosen: the CLI is the engine by design, no notice
        if self._engine == "worker":
            raise RenderError(f"{ENGINE_ENV}=worker but the render worker is unavailable: {reason}")
        self._notice(f"notice: rendering with the helm CLI, one process per chart: {reason}")
        return None

    def _fits(self, worker: RenderWorker) -> tuple[bool, str]:
        """Whether ``worker`` renders as the helm CLI in use does; else why not ("" when
        the user chose another helm major, which is no surprise worth a notice)."""
        try:
            helm = self.version()
        except RenderError as exc:
            return False, str(exc)
        if major_minor(worker.helm_version) == major_minor(helm):
            return True, ""
        if helm_major(worker.helm_version) != helm_major(helm) and self._engine == "auto":
            return False, ""
        return False, f"the render worker is helm {worker.helm_version}, {self.binary} is {helm}"

    def _drop_worker(self, worker: RenderWorker, reason: str) -> None:
        with self._worker_lock:
            dropped = self._worker is worker
            if dropped:
                self._worker = None
        if dropped:
            worker.close()
            if self._engine == "worker":
                raise RenderError(f"{ENGINE_ENV}=worker but the render worker failed: {reason}")
            self._notice(f"notice: rendering with the helm CLI from here on: {reason}")

    def _template_cli(self, request: TemplateRequest) -> str:
        argv = [
            self.binary,
            "template",
            f"--values={request.values_file}",
            f"--namespace={request.namespace}",
            "--include-crds",
            "--skip-tests",
            *self.global_flags(),
        ]
        if request.kube_version:
            argv.append(f"--kube-version={request.kube_version}")
        argv += [f"--api-versions={api_version}" for api_version in request.api_versions]
        # After `--` nothing from the config can be read as a flag (--post-renderer=...).
        argv += ["--", request.release, str(request.chart)]
        result = _proc.run(
            argv,
            env=self.env(),
            timeout=self._timeout,
            ok_codes=_ANY_EXIT,
            error=RenderError,
            what=f"{request.where}: helm template",
        )
        if result.returncode != 0:
            raise RenderError(
                f"{request.where}: helm template failed: {helm_message(result.stderr)}"
            )
        return result.stdout


def _worker_request(request: TemplateRequest) -> dict[str, object]:
    """The worker's request for what ``_template_cli`` passes as flags."""
    return {
        "release": request.release,
        "chart": str(request.chart),
        "values_files": [str(request.values_file)],
        "namespace": request.namespace,
        "kube_version": request.kube_version or "",
        "api_versions": list(request.api_versions),
        "include_crds": True,
        "skip_tests": True,
    }


def _print_notice(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
