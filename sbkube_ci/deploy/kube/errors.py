"""The one place Kubernetes API and transport errors become ``DeployError`` messages.

A message names the request (verb, kind, namespace, name), the cause as the server put it, and
what the user can do about it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from kubernetes.client.exceptions import ApiException

from sbkube_ci.errors import DeployError

_NETWORK_HINT = "check the kubeconfig server address / network"


class UnknownKindError(DeployError):
    """The cluster serves no such kind (yet): its CRD is missing or not Established."""

    def __init__(self, api_version: str, kind: str) -> None:
        self.api_version = api_version
        self.kind = kind
        super().__init__(
            f"the cluster has no kind {kind} in apiVersion {api_version}; is its CRD installed?"
        )


@dataclass(frozen=True)
class Operation:
    """What was being attempted, for error messages."""

    verb: str
    kind: str = ""
    api_version: str = ""
    namespace: str | None = None
    name: str = ""
    plural: str = ""
    server: str = ""

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def resource(self) -> str:
        return self.plural or (self.kind.lower() + "s")

    def doing(self) -> str:
        """The request as a phrase: "patch Deployment shop/api" or "API discovery"."""
        return f"{self.verb} {self.describe()}" if self.kind else "API discovery"

    def describe(self) -> str:
        if not self.kind:
            return "API discovery"
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}".rstrip("/ ") if self.name else self.kind


def server_address(url: str) -> str:
    """host:port of an API server URL, as messages show it."""
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    return f"{parts.hostname}:{parts.port or default_port}"


@contextlib.contextmanager
def errors_as_deploy_error(operation: Operation) -> Iterator[None]:
    """Turn API and transport errors raised inside into one-line ``DeployError``s."""
    try:
        yield
    except ApiException as exc:
        raise DeployError(api_error_message(exc, operation)) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise DeployError(transport_error_message(exc, operation)) from exc


def _status(exc: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return {"message": str(exc.body or exc.reason or "").strip()}
    return body if isinstance(body, dict) else {}


def api_error_message(exc: ApiException, operation: Operation) -> str:
    """The message for an HTTP error answer from the API server."""
    status = _status(exc)
    message = str(status.get("message") or exc.reason or "")
    code = int(exc.status or 0)
    what = operation.describe()
    if code == 401:
        return (
            f"the API server at {operation.server} rejected the credentials (401 Unauthorized) "
            f"during {operation.doing()}; refresh the kubeconfig token or certificate"
        )
    if code == 403:
        return _forbidden_message(operation, message)
    if code == 404:
        return _not_found_message(operation, status, message)
    if code == 409:
        return _conflict_message(operation, status, message)
    if code == 422:
        return f"{what} is invalid: {message}"
    reason = status.get("reason", exc.reason)
    return f"{operation.doing()} failed: HTTP {code} {reason}: {message}"


def _forbidden_message(operation: Operation, message: str) -> str:
    verb, resource, group = operation.verb, operation.resource, operation.group
    if operation.namespace:
        where = f"in namespace {operation.namespace}"
        grant = f"a Role in namespace {operation.namespace}"
    else:
        where, grant = "at cluster scope", "a ClusterRole"
    return (
        f"RBAC forbids {verb} on {resource} {where} ({operation.describe()}); grant the "
        f'deploying identity {verb} on {resource} (apiGroups: ["{group}"]) with {grant}. '
        f"Server said: {message}"
    )


def _not_found_message(operation: Operation, status: dict[str, Any], message: str) -> str:
    details = status.get("details") or {}
    if details.get("kind") == "namespaces" and operation.namespace:
        return (
            f"cannot {operation.verb} {operation.describe()}: namespace {operation.namespace} "
            "does not exist; add a Namespace object to the app or deploy it first"
        )
    if details.get("name"):
        return f"{operation.describe()} not found ({message})"
    return str(UnknownKindError(operation.api_version, operation.kind))


def _conflict_message(operation: Operation, status: dict[str, Any], message: str) -> str:
    causes = [
        c
        for c in (status.get("details") or {}).get("causes") or []
        if c.get("reason") == "FieldManagerConflict"
    ]
    if not causes:
        return f"cannot {operation.verb} {operation.describe()}: {message}"
    owners = ", ".join(
        f"field manager {_manager(c.get('message', ''))} on {c.get('field', '?')}" for c in causes
    )
    return (
        f"{operation.describe()} conflicts with {owners}; set force_conflicts: true on the app "
        "to take ownership"
    )


def _manager(cause_message: str) -> str:
    # Causes read 'conflict with "kubectl-edit"' (sometimes followed by ' using apps/v1').
    quoted = cause_message.split('"')
    return quoted[1] if len(quoted) >= 3 else cause_message


def transport_error_message(exc: urllib3.exceptions.HTTPError, operation: Operation) -> str:
    """The message for a request that got no HTTP answer at all."""
    reason: Any = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    during = f"during {operation.doing()}"
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so it is tested first.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        text = str(reason)
        cause = "connection refused" if "refused" in text.lower() else text.rpartition(": ")[2]
        return (
            f"cannot reach the Kubernetes API server at {operation.server} ({cause}) {during}; "
            f"{_NETWORK_HINT}"
        )
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return (
            f"cannot reach the Kubernetes API server at {operation.server}: connecting timed "
            f"out {during}; {_NETWORK_HINT}"
        )
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return (
            f"the Kubernetes API server at {operation.server} did not answer in time {during} "
            f"(read timed out); {_NETWORK_HINT}"
        )
    text = str(reason)
    cause = "connection refused" if "refused" in text.lower() else text.rpartition(": ")[2]
    return (
        f"cannot reach the Kubernetes API server at {operation.server} ({cause}); {_NETWORK_HINT}"
    )
