"""Helm mode (``deploy_mode: helm``): releases installed, listed and rolled back by helm itself.

helm runs with sbkube-ci's own config, cache and registry files under ``helm_home`` (as
render does), never the user's, and with the cluster's ``--kubeconfig``/``--kube-context``
so it talks to the same cluster as the API client. Every failure is a ``DeployError`` naming
the app and quoting helm's own message.

Helm 3 and Helm 4 take different flags for the same thing (``--atomic`` became
``--rollback-on-failure``); the command lines follow the major version of the helm in use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sbkube_ci import _helm, _proc
from sbkube_ci._helm import helm_binary, helm_major, isolated_env, isolated_flags, wrong_major
from sbkube_ci.errors import DeployError

_ANY_EXIT = range(256)
_NOT_FOUND = "release: not found"


@dataclass(frozen=True)
class UpgradeRequest:
    """One ``helm upgrade --install`` of an app's built chart."""

    app: str
    release: str
    chart: Path | str
    namespace: str
    values_file: Path | None = None
    create_namespace: bool = False
    atomic: bool = False
    wait: bool = True
    timeout: float = 300.0
    dry_run: bool = False  # --dry-run=server: rendered and validated by the cluster, not stored
    # Take over fields another manager set (a drift repair, objects adopted from apply mode):
    # helm 4 applies server-side and stops at such conflicts; helm 3 overwrites them anyway.
    force_conflicts: bool = False


@dataclass(frozen=True)
class Revision:
    """One entry of ``helm history``."""

    revision: int
    status: str  # deployed, superseded, failed, pending-upgrade, ...
    chart: str
    app_version: str
    updated: str
    description: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Revision:
        return cls(
            revision=int(data["revision"]),
            status=str(data.get("status", "")),
            chart=str(data.get("chart", "")),
            app_version=str(data.get("app_version", "")),
            updated=str(data.get("updated", "")),
            description=str(data.get("description", "")),
        )


class HelmReleases:
    """helm release commands against one cluster."""

    def __init__(
        self,
        helm_home: Path,
        *,
        kubeconfig: Path | None = None,
        kube_context: str | None = None,
        binary: str | None = None,
        helm_version: int | None = None,
        command_timeout: float = 120.0,
    ) -> None:
        self.helm_home = helm_home
        self._kube_flags = (["--kubeconfig", str(kubeconfig)] if kubeconfig else []) + (
            ["--kube-context", kube_context] if kube_context else []
        )
        self._binary = binary or helm_binary(helm_version)
        self._wanted_major = helm_version  # settings.helm_version
        self._major: int | None = None
        self._command_timeout = command_timeout

    def major(self) -> int:
        """The major version of the helm in use, asked once (4 when helm does not say)."""
        if self._major is None:
            result = _proc.run(
                [self._binary, "version", "--template", "{{.Version}}"],
                env=self.env(),
                timeout=self._command_timeout,
                error=DeployError,
                what="helm version",
            )
            version = result.stdout.strip()
            problem = wrong_major(self._binary, version, self._wanted_major)
            if problem:
                raise DeployError(problem)
            self._major = helm_major(version) or 4
        return self._major

    def env(self) -> dict[str, str]:
        return isolated_env(self.helm_home)

    def global_flags(self) -> list[str]:
        return [*isolated_flags(self.helm_home), *self._kube_flags]

    def upgrade_argv(self, request: UpgradeRequest) -> list[str]:
        """The ``helm upgrade --install`` command line for ``request``."""
        argv = [self._binary, "upgrade", "--install"]
        if request.values_file is not None:
            argv += ["-f", str(request.values_file)]
        argv += ["--namespace", request.namespace]
        flags = {
            "--create-namespace": request.create_namespace,
            self._atomic_flag(): request.atomic and not request.dry_run,
            "--wait": request.wait and not request.dry_run,
            "--force-conflicts": request.force_conflicts and self.major() >= 4,
        }
        argv += [flag for flag, wanted in flags.items() if wanted]
        argv += ["--timeout", _seconds(request.timeout)]
        if request.dry_run:
            argv.append("--dry-run=server")
        # After `--` no release name or chart can be read as a flag (--post-renderer=...).
        return [*argv, *self.global_flags(), "--", request.release, str(request.chart)]

    def _atomic_flag(self) -> str:
        # helm 4 removed --atomic; --rollback-on-failure also implies --wait=watcher there
        return "--rollback-on-failure" if self.major() >= 4 else "--atomic"

    def upgrade(self, request: UpgradeRequest) -> str:
        """Install or upgrade the release; returns helm's output (the manifest on dry run)."""
        # helm enforces --timeout on waits itself; ours only guards against a hung helm.
        result = self._run(
            self.upgrade_argv(request),
            app=request.app,
            doing=f"helm upgrade --install {request.release}",
            timeout=request.timeout + self._command_timeout,
        )
        return result.stdout

    def dry_run_manifest(self, request: UpgradeRequest) -> str:
        """The manifest an upgrade would install, rendered and validated by the cluster.

        ``helm upgrade --install --dry-run=server``: server-side dry-run writes, lookups
        against the live cluster; hooks are not part of the manifest.
        """
        argv = self.upgrade_argv(replace(request, dry_run=True))
        end_of_flags = argv.index("--")  # the release and chart follow it
        argv[end_of_flags:end_of_flags] = ["-o", "json"]
        result = self._run(
            argv,
            app=request.app,
            doing=f"helm upgrade --install --dry-run=server {request.release}",
            timeout=request.timeout + self._command_timeout,
        )
        try:
            return str(json.loads(result.stdout).get("manifest") or "")
        except (ValueError, AttributeError) as exc:
            raise DeployError(
                f"app {request.app}: helm upgrade --dry-run printed no readable JSON ({exc}); "
                "check the helm version (sbkube-ci needs helm 3.13+)"
            ) from exc

    def history(self, app: str, release: str, namespace: str) -> list[Revision]:
        """The release's revisions, oldest first; empty when it was never installed."""
        argv = [self._binary, "history", "--namespace", namespace, "-o", "json"]
        result = self._run(
            [*argv, *self.global_flags(), "--", release],
            app=app,
            doing=f"helm history {release}",
            missing_ok=True,
        )
        if result.returncode != 0:
            return []
        try:
            entries = json.loads(result.stdout or "[]")
            revisions = [Revision.from_json(entry) for entry in entries]
        except (ValueError, KeyError, TypeError) as exc:
            raise DeployError(
                f"app {app}: helm history {release} printed no readable JSON ({exc}); "
                "check the helm version (sbkube-ci needs helm 3.8+)"
            ) from exc
        return sorted(revisions, key=lambda r: r.revision)

    def rollback(
        self, app: str, release: str, namespace: str, revision: int, *, timeout: float = 300.0
    ) -> None:
        """Roll the release back to ``revision`` and wait for its workloads."""
        argv = [self._binary, "rollback", "--namespace", namespace]
        argv += ["--wait", "--timeout", _seconds(timeout)]
        self._run(
            [*argv, *self.global_flags(), "--", release, str(revision)],
            app=app,
            doing=f"helm rollback {release} {revision}",
            timeout=timeout + self._command_timeout,
        )

    def uninstall(
        self,
        app: str,
        release: str,
        namespace: str,
        *,
        timeout: float = 300.0,
        dry_run: bool = False,
    ) -> None:
        """Remove the release (an app removed from sbkube.yaml); a missing release is fine."""
        argv = [self._binary, "uninstall", "--namespace", namespace, "--wait"]
        argv += ["--timeout", _seconds(timeout)] + (["--dry-run"] if dry_run else [])
        self._run(
            [*argv, *self.global_flags(), "--", release],
            app=app,
            doing=f"helm uninstall {release}",
            timeout=timeout + self._command_timeout,
            missing_ok=True,
        )

    def manifest(self, app: str, release: str, namespace: str, revision: int | None = None) -> str:
        """The manifest helm recorded for the release (its latest revision by default)."""
        argv = [self._binary, "get", "manifest", "--namespace", namespace]
        if revision is not None:
            argv += ["--revision", str(revision)]
        return self._run(
            [*argv, *self.global_flags(), "--", release],
            app=app,
            doing=f"helm get manifest {release}",
        ).stdout

    def _run(
        self,
        argv: list[str],
        *,
        app: str,
        doing: str,
        timeout: float | None = None,
        missing_ok: bool = False,
    ) -> _proc.Result:
        result = _proc.run(
            argv,
            env=self.env(),
            timeout=timeout or self._command_timeout,
            ok_codes=_ANY_EXIT,
            error=DeployError,
            what=f"app {app}: {doing}",
        )
        if result.returncode == 0:
            return result
        message = _helm.helm_message(result.stderr or result.stdout)
        if missing_ok and _NOT_FOUND in message:
            return result
        raise DeployError(f"app {app}: {doing} failed: {message}")


def _seconds(timeout: float) -> str:
    return f"{max(round(timeout), 1)}s"
