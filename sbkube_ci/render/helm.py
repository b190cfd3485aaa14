"""``helm template`` with sbkube-ci's own helm directories, never the user's.

Rendering needs no cluster: the Kubernetes version and API versions come from the cluster's
config (``kube_version``, ``api_versions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sbkube_ci import _proc
from sbkube_ci._helm import isolated_env, isolated_flags
from sbkube_ci.errors import RenderError
from sbkube_ci.render.tools import ToolVersions

_NOISE = ("Use --debug flag", "walk.go:")
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

    def __init__(self, home: Path, tools: ToolVersions, timeout: float) -> None:
        self.home = home
        self._tools = tools
        self._timeout = timeout

    def env(self) -> dict[str, str]:
        return isolated_env(self.home)

    def global_flags(self) -> list[str]:
        return isolated_flags(self.home)

    def version(self) -> str:
        """helm's version (``v3.18.0``), asked once per binary (see ``ToolVersions``)."""
        return self._tools.version("helm", self._ask_version)

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
        argv = [
            "helm",
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


def helm_message(stderr: str) -> str:
    """helm's own message in one line: its ``Error:`` lines, else its last meaningful line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(_NOISE)]
    errors = [line for line in lines if line.startswith("Error:")]
    chosen = errors or lines[-1:]
    return " | ".join(chosen) if chosen else "(helm printed nothing)"
