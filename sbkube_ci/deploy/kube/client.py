"""The one way sbkube-ci talks to a cluster: a kubeconfig-built client with per-run discovery.

``KubeClient`` is created once per run (and per cluster) and passed around; it owns the API
client, the DynamicClient and its discovery cache, so nothing is cached in module globals.
Every Kubernetes or transport error leaves through ``errors_as_deploy_error`` as a
``DeployError`` that names what failed and what to do.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import urllib3
import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client import rest
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from sbkube_ci._proc import redact
from sbkube_ci._retry import RetryReport, retry_after
from sbkube_ci.deploy.kube.errors import (
    Operation,
    UnknownKindError,
    errors_as_deploy_error,
    server_address,
)
from sbkube_ci.errors import DeployError

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0


#: How often one request is sent again when the API server asks for it: client-go's default.
SERVER_RETRIES = 10
#: The longest Retry-After honoured; a server asking for more is answered with an error.
MAX_RETRY_AFTER = 30.0


class _RESTClient(rest.RESTClientObject):  # type: ignore[misc]  # untyped library
    """Gives every request a (connect, read) timeout, and sends it again when the API server
    says when to: a 429 or 5xx answer with a Retry-After header (API Priority and Fairness
    throttling, an API server between etcd leaders), as client-go does. Each wait is
    reported, so a throttled deploy is never silent.
    """

    def __init__(
        self,
        configuration: Any,
        timeout: tuple[float, float],
        *,
        server: str,
        on_retry: RetryReport | None,
    ) -> None:
        super().__init__(configuration)
        self._timeout = timeout
        self._server = server
        self._on_retry = on_retry

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("_request_timeout"):
            kwargs["_request_timeout"] = self._timeout
        attempt = 0
        while True:
            try:
                return super().request(method, url, *args, **kwargs)
            except rest.ApiException as exc:
                attempt += 1
                wait = _server_wait(exc)
                if wait is None or attempt > SERVER_RETRIES:
                    raise
                if self._on_retry is not None:
                    what = f"API server {self._server}: HTTP {exc.status} on {method} "
                    self._on_retry(what + urlsplit(url).path, attempt, wait)
                time.sleep(wait)


def _server_wait(exc: rest.ApiException) -> float | None:
    """The seconds the server asked to wait before the request is sent again, if it did."""
    status = exc.status or 0
    if status != 429 and not 500 <= status <= 599:
        return None
    seconds = retry_after(dict(exc.headers or {}))
    return None if seconds is None or seconds > MAX_RETRY_AFTER else seconds


def _kubeconfig_paths(kubeconfig: Path | None) -> list[Path]:
    if kubeconfig is not None:
        return [kubeconfig]
    env = os.environ.get("KUBECONFIG", "")
    paths = [Path(p) for p in env.split(os.pathsep) if p]
    return paths or [Path.home() / ".kube" / "config"]


def _read_kubeconfig(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise DeployError(f"kubeconfig {path} not found; set kubeconfig or KUBECONFIG") from exc
    except (OSError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DeployError(f"kubeconfig {path} does not parse: {first_line}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("contexts") or [], list):
        raise DeployError(f"kubeconfig {path} does not parse: expected a Config mapping")
    return document


def _check_context(paths: list[Path], context: str | None) -> None:
    """Fail with the available contexts when ``context`` (or current-context) is missing."""
    documents = [_read_kubeconfig(p) for p in paths]
    available = [
        str(entry.get("name"))
        for doc in documents
        for entry in doc.get("contexts") or []
        if isinstance(entry, dict)
    ]
    current = next((d["current-context"] for d in documents if d.get("current-context")), None)
    wanted = context or current
    shown = ", ".join(available) or "none"
    where = os.pathsep.join(str(p) for p in paths)
    if wanted is None:
        raise DeployError(
            f"kubeconfig {where} sets no current-context; set context on the cluster "
            f"(available contexts: {shown})"
        )
    if wanted not in available:
        raise DeployError(
            f"kubeconfig {where} has no context {wanted!r}; available contexts: {shown}"
        )


def load_configuration(
    kubeconfig: Path | None = None, context: str | None = None
) -> k8s_client.Configuration:
    """The client configuration for ``context`` in ``kubeconfig`` (default: KUBECONFIG)."""
    paths = _kubeconfig_paths(kubeconfig)
    _check_context(paths, context)
    configuration = k8s_client.Configuration()
    try:
        k8s_config.load_kube_config(
            config_file=os.pathsep.join(str(p) for p in paths),
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
    except (k8s_config.ConfigException, ValueError, KeyError, TypeError) as exc:
        # The client's message may quote parts of the file; never its credentials.
        message = redact(str(exc), _credentials(paths))
        raise DeployError(f"kubeconfig {paths[0]}: {message}") from None
    return configuration


_CREDENTIAL_KEYS = {"token", "password", "client-key-data", "client-certificate-data"}


def _credentials(paths: list[Path]) -> list[str]:
    """Every credential value written in the kubeconfig files, for redaction."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _CREDENTIAL_KEYS and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in paths:
        with contextlib.suppress(OSError, yaml.YAMLError):
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                walk(document)
    return found


def command_user(kubeconfig: Path | None, context: str | None) -> str | None:
    """The name of the context's user when it runs a command for its credentials, else None."""
    documents: list[dict[str, Any]] = []
    for path in _kubeconfig_paths(kubeconfig):
        with contextlib.suppress(DeployError):
            documents.append(_read_kubeconfig(path))  # the client reports unreadable files
    current = (d.get("current-context") for d in documents)
    wanted = context or next((name for name in current if name), None)
    contexts = _named(documents, "contexts", wanted)
    user_name = (contexts.get("context") or {}).get("user") if contexts else None
    user = (_named(documents, "users", user_name) or {}).get("user") or {}
    provider = user.get("auth-provider") or {}
    if user.get("exec") or (provider.get("config") or {}).get("cmd-path"):
        return str(user_name)
    return None


def _named(documents: list[dict[str, Any]], section: str, name: object) -> dict[str, Any] | None:
    """The first ``section`` entry (contexts, users) called ``name`` across the files."""
    for document in documents:
        for entry in document.get(section) or []:
            if isinstance(entry, dict) and entry.get("name") == name:
                return entry
    return None


@contextlib.contextmanager
def kubeconfig_file(content: str) -> Iterator[Path]:
    """Kubeconfig content (e.g. from an environment variable) as a 0600 file, removed after."""
    fd, name = tempfile.mkstemp(prefix="sbkube-kubeconfig-", suffix=".yaml")
    path = Path(name)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(path, 0o600)
        yield path
    finally:
        path.unlink(missing_ok=True)


class KubeClient:
    """An API client, a DynamicClient and this run's discovery cache; close() when done."""

    def __init__(
        self,
        configuration: k8s_client.Configuration,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = 16,
        on_retry: RetryReport | None = None,
    ) -> None:
        # One quick reconnect for a kept-alive connection the server closed; no read retries,
        # so a slow server costs one timeout, not four. Retry-After is _RESTClient's to honour:
        # urllib3 would turn a 429 carrying one into a transport error.
        configuration.retries = urllib3.Retry(
            total=1, connect=1, read=0, redirect=0, status=0, respect_retry_after_header=False
        )
        configuration.connection_pool_maxsize = max_connections
        self.api_client = k8s_client.ApiClient(configuration)
        self.timeout = (connect_timeout, read_timeout)
        self.server = server_address(configuration.host)
        self.api_client.rest_client = _RESTClient(
            configuration, self.timeout, server=self.server, on_retry=on_retry
        )
        self._cache_dir = tempfile.TemporaryDirectory(prefix="sbkube-discovery-")
        self._dynamic: DynamicClient | None = None
        self._resources: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_kubeconfig(
        cls,
        kubeconfig: Path | None = None,
        context: str | None = None,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        on_retry: RetryReport | None = None,
    ) -> KubeClient:
        configuration = load_configuration(kubeconfig, context)
        return cls(
            configuration,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            on_retry=on_retry,
        )

    @property
    def dynamic(self) -> DynamicClient:
        """The DynamicClient; created on first use because creating it queries discovery."""
        with self._lock:
            if self._dynamic is None:
                cache_file = str(Path(self._cache_dir.name) / "discovery.json")
                with errors_as_deploy_error(Operation("discover", server=self.server)):
                    self._dynamic = DynamicClient(self.api_client, cache_file=cache_file)
            return self._dynamic

    def resource(self, api_version: str, kind: str) -> Any:
        """The API resource serving ``kind`` in ``api_version``, from this run's discovery."""
        key = (api_version, kind)
        with self._lock:
            if key not in self._resources:
                self._resources[key] = self._discover(api_version, kind)
            return self._resources[key]

    def _discover(self, api_version: str, kind: str) -> Any:
        operation = Operation("discover", kind=kind, api_version=api_version, server=self.server)
        try:
            with errors_as_deploy_error(operation):
                return self.dynamic.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError as exc:
            raise UnknownKindError(api_version, kind) from exc

    def refresh_discovery(self) -> None:
        """Forget what discovery said, e.g. after CRDs were created."""
        with self._lock:
            self._resources.clear()
            if self._dynamic is not None:
                with errors_as_deploy_error(Operation("discover", server=self.server)):
                    self._dynamic.resources.invalidate_cache()

    def close(self) -> None:
        self.api_client.close()
        self._cache_dir.cleanup()

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
