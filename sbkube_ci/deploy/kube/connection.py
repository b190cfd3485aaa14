"""Connecting to each cluster of a project: kubeconfig from a file or from a CI secret.

A cluster names its kubeconfig one of three ways, first match wins: ``kubeconfig_env`` (an
environment variable holding the kubeconfig *content*, as CI secrets are passed), the
cluster's ``kubeconfig`` path, or ``settings.kubeconfig``; with none, ``KUBECONFIG`` or
``~/.kube/config`` as kubectl does. The context is the cluster's ``context``, else
``settings.kubeconfig_context``, else the kubeconfig's current-context.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sbkube_ci._proc import ALLOW_ENV, exec_allowed
from sbkube_ci._retry import RetryReport
from sbkube_ci.deploy.kube.client import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    KubeClient,
    command_user,
    kubeconfig_file,
)
from sbkube_ci.errors import DeployError


class ClusterKubeconfig(Protocol):
    """What connecting reads of a cluster's config (``config.sections.Cluster``)."""

    @property
    def kubeconfig(self) -> str | None: ...
    @property
    def kubeconfig_env(self) -> str | None: ...
    @property
    def context(self) -> str | None: ...


class DefaultKubeconfig(Protocol):
    """What connecting reads of the project settings (``config.sections.Settings``)."""

    @property
    def kubeconfig(self) -> str | None: ...
    @property
    def kubeconfig_context(self) -> str | None: ...


@dataclass(frozen=True)
class ClusterConnection:
    """A connected cluster: the API client, and the kubeconfig/context to hand to helm."""

    name: str
    client: KubeClient
    kubeconfig: Path | None  # None: helm and the client both use KUBECONFIG / ~/.kube/config
    context: str | None  # None: the kubeconfig's current-context

    def helm_flags(self) -> list[str]:
        """``--kubeconfig``/``--kube-context`` so helm talks to the same cluster as the client."""
        flags: list[str] = []
        if self.kubeconfig is not None:
            flags += ["--kubeconfig", str(self.kubeconfig)]
        if self.context:
            flags += ["--kube-context", self.context]
        return flags


@dataclass(frozen=True)
class KubeconfigSource:
    """Where a cluster's kubeconfig comes from, resolved but not yet read."""

    path: Path | None
    env_var: str | None
    context: str | None


def kubeconfig_source(
    cluster: ClusterKubeconfig | None, settings: DefaultKubeconfig, *, base_dir: Path
) -> KubeconfigSource:
    """Resolve the cluster's kubeconfig (env var, path relative to ``base_dir``) and context."""
    context = (cluster.context if cluster else None) or settings.kubeconfig_context
    if cluster is not None and cluster.kubeconfig_env:
        return KubeconfigSource(None, cluster.kubeconfig_env, context)
    configured = (cluster.kubeconfig if cluster else None) or settings.kubeconfig
    if configured is None:
        return KubeconfigSource(None, None, context)
    path = Path(configured).expanduser()
    return KubeconfigSource(path if path.is_absolute() else base_dir / path, None, context)


@contextlib.contextmanager
def connect(
    cluster_name: str,
    cluster: ClusterKubeconfig | None,
    settings: DefaultKubeconfig,
    *,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    on_retry: RetryReport | None = None,
) -> Iterator[ClusterConnection]:
    """Connect to ``cluster_name``; a kubeconfig from an env var lives in a 0600 temp file
    for the duration of the block and is removed after, also on error. ``on_retry`` hears of
    every request the API server asked to send again later."""
    source = kubeconfig_source(cluster, settings, base_dir=base_dir)
    with contextlib.ExitStack() as stack:
        path = source.path
        if source.env_var is not None:
            content = _env_content(cluster_name, source.env_var, environ)
            path = stack.enter_context(kubeconfig_file(content))
        if not exec_allowed():
            _refuse_credential_commands(cluster_name, path, source.context)
        timeouts = (connect_timeout, read_timeout)
        client = _client(cluster_name, source, path, timeouts, on_retry)
        stack.callback(client.close)
        yield ClusterConnection(cluster_name, client, path, source.context)


def _env_content(cluster_name: str, env_var: str, environ: Mapping[str, str] | None) -> str:
    variables = os.environ if environ is None else environ
    content = variables.get(env_var, "")
    if not content.strip():
        state = "is empty" if env_var in variables else "is not set"
        raise DeployError(
            f"cluster {cluster_name}: environment variable {env_var} (kubeconfig_env) {state}; "
            "set it to the kubeconfig content, e.g. from a CI secret"
        )
    return content


def _client(
    cluster_name: str,
    source: KubeconfigSource,
    path: Path | None,
    timeouts: tuple[float, float],
    on_retry: RetryReport | None,
) -> KubeClient:
    connect_timeout, read_timeout = timeouts
    try:
        return KubeClient.from_kubeconfig(
            path,
            source.context,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            on_retry=on_retry,
        )
    except DeployError as exc:
        message = str(exc)
        if source.env_var is not None and path is not None:
            # The temp file name means nothing to the user; the variable does.
            message = message.replace(str(path), f"from ${source.env_var}")
        raise DeployError(f"cluster {cluster_name}: {message}") from exc


def _refuse_credential_commands(cluster_name: str, path: Path | None, context: str | None) -> None:
    """With SBKUBE_ALLOW_EXEC=false, a kubeconfig user that runs a command is refused.

    Both the API client and helm run a user's ``exec`` plugin, and the gcp auth-provider
    runs its ``cmd-path``: commands, like exec apps and hooks.
    """
    user = command_user(path, context)
    if user is not None:
        raise DeployError(
            f"cluster {cluster_name}: kubeconfig user {user} gets its credentials by running a "
            f"command (exec / auth-provider cmd-path), and running commands is disabled "
            f"({ALLOW_ENV}=false); use a token or client certificate, or allow exec for this job"
        )
