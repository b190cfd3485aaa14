"""Kustomize apps: ``kubectl kustomize <dir>``, with kustomize's version in the input digest.

When the render worker runs (see ``render/helm.py``) and carries the same kustomize release as
kubectl, it builds the kustomization in its process instead of one kubectl per app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

from sbkube_ci import _proc
from sbkube_ci._paths import inside
from sbkube_ci.errors import RenderError
from sbkube_ci.render.tools import ToolVersions
from sbkube_ci.render.worker import RenderWorker, WorkerFailed

_ANY_EXIT = range(256)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Kustomize:
    """``kubectl kustomize``; kubectl carries the kustomize that renders."""

    def __init__(
        self,
        tools: ToolVersions,
        timeout: float,
        worker: Callable[[], RenderWorker | None] | None = None,
    ) -> None:
        self._tools = tools
        self._timeout = timeout
        self._worker = worker

    def version(self) -> str:
        """The kustomize version built into kubectl (``v5.6.0``), asked once per binary."""
        return self._tools.version("kubectl", self._ask_version)

    def _ask_version(self, binary: str) -> str:
        result = _proc.run(
            [binary, "version", "--client", "-o", "json"], timeout=60, error=RenderError
        )
        try:
            data = json.loads(result.stdout)
        except ValueError as exc:
            raise RenderError(f"{binary} version printed no JSON; is it kubectl?") from exc
        return str(data.get("kustomizeVersion") or data["clientVersion"]["gitVersion"])

    def build(self, directory: Path, where: str, display: str) -> str:
        """The manifests kustomize builds from ``directory``; a failure names the app."""
        worker = self._worker() if self._worker is not None else None
        if worker is not None and worker.kustomize_version == self.version():
            request = {"kind": "kustomize", "dir": str(directory)}
            try:
                return worker.template(request, timeout=self._timeout)
            except WorkerFailed:
                pass  # kubectl builds it; the next helm render reports the dead worker
            except RenderError as exc:
                message = f"error: {exc}".strip().splitlines()[-1].strip()
                raise RenderError(
                    f"{where}: kubectl kustomize {display} failed: {message}"
                ) from None
        return self._kubectl(directory, where, display)

    def _kubectl(self, directory: Path, where: str, display: str) -> str:
        result = _proc.run(
            ["kubectl", "kustomize", "--", str(directory)],
            timeout=self._timeout,
            ok_codes=_ANY_EXIT,
            error=RenderError,
            what=f"{where}: kubectl kustomize",
        )
        if result.returncode != 0:
            lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
            message = lines[-1] if lines else f"exit {result.returncode}"
            raise RenderError(f"{where}: kubectl kustomize {display} failed: {message}")
        return result.stdout


KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_PATH_LISTS = ("resources", "bases", "components", "patchesStrategicMerge", "crds")


def kustomize_inputs(directory: Path, *, root: Path) -> list[Path]:
    """Every local file a kustomization reads, following its resources, bases and components.

    Bases outside the app's directory (``../base``) are part of what the app renders, so they
    are part of its digest and of what ``--changed-since`` looks at. References that lead
    outside ``root`` (the project) are not read: kustomize refuses to load them anyway, and
    their digest would tell a pull request whether a runner file has a guessed content.
    """
    files: set[Path] = set()
    seen: set[Path] = set()
    limit = root.resolve()
    pending = [directory.resolve()]
    while pending:
        current = pending.pop()
        if current in seen or not current.is_dir():
            continue
        seen.add(current)
        files.update(p for p in current.rglob("*") if p.is_file() and inside(limit, p))
        for reference in _references(current):
            target = (current / reference).resolve()
            if not target.is_relative_to(limit):
                continue
            if target.is_dir():
                pending.append(target)
            elif target.is_file():
                files.add(target)
    return sorted(files)


def _references(directory: Path) -> list[str]:
    for name in KUSTOMIZATION_NAMES:
        file = directory / name
        if file.is_file():
            break
    else:
        return []
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError):
        return []  # kubectl kustomize reports it properly
    if not isinstance(data, dict):
        return []
    found: list[str] = []
    for key in _PATH_LISTS:
        found += [item for item in data.get(key) or [] if isinstance(item, str)]
    found += [
        item["path"]
        for item in data.get("patches") or []
        if isinstance(item, dict) and isinstance(item.get("path"), str)
    ]
    return [ref for ref in found if "://" not in ref and not ref.startswith("github.com/")]
