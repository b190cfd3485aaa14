"""Messages for API answers and transport failures, from real Status bodies."""

from __future__ import annotations

import json
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException

from sbkube_ci.deploy.kube.errors import (
    Operation,
    api_error_message,
    server_address,
    transport_error_message,
)

PATCH_API = Operation(
    "patch", "Deployment", "apps/v1", "shop", "api", "deployments", "10.0.0.1:6443"
)


def _answer(code: int, reason: str, message: str, **details: Any) -> ApiException:
    error = ApiException(status=code, reason=reason)
    body = {"kind": "Status", "status": "Failure", "code": code, "reason": reason}
    error.body = json.dumps({**body, "message": message, "details": details})
    return error


def test_unauthorized_points_at_credentials() -> None:
    message = api_error_message(_answer(401, "Unauthorized", "Unauthorized"), PATCH_API)
    assert message == (
        "the API server at 10.0.0.1:6443 rejected the credentials (401 Unauthorized) during "
        "patch Deployment shop/api; refresh the kubeconfig token or certificate"
    )


def test_cluster_scoped_denial_asks_for_a_cluster_role() -> None:
    operation = Operation("patch", "Namespace", "v1", None, "shop", "namespaces")
    message = api_error_message(_answer(403, "Forbidden", "denied"), operation)
    assert message.startswith("RBAC forbids patch on namespaces at cluster scope")
    assert "with a ClusterRole" in message


def test_stale_write_conflict_keeps_the_server_message() -> None:
    error = _answer(409, "Conflict", "the object has been modified")
    assert api_error_message(error, PATCH_API) == (
        "cannot patch Deployment shop/api: the object has been modified"
    )


def test_several_field_conflicts_are_all_named() -> None:
    causes = [
        {"reason": "FieldManagerConflict", "message": 'conflict with "helm"', "field": ".a"},
        {"reason": "FieldManagerConflict", "message": 'conflict with "hpa"', "field": ".b"},
    ]
    error = _answer(409, "Conflict", "Apply failed with 2 conflicts", causes=causes)
    assert api_error_message(error, PATCH_API) == (
        "Deployment shop/api conflicts with field manager helm on .a, field manager hpa on .b; "
        "set force_conflicts: true on the app to take ownership"
    )


def test_other_failures_show_code_reason_and_message() -> None:
    error = _answer(500, "InternalError", "etcdserver: request timed out")
    assert api_error_message(error, PATCH_API) == (
        "patch Deployment shop/api failed: HTTP 500 InternalError: etcdserver: request timed out"
    )


def test_non_json_bodies_are_shown_as_text() -> None:
    error = ApiException(status=502, reason="Bad Gateway")
    error.body = "<html>bad gateway</html>"
    assert "HTTP 502 Bad Gateway: <html>bad gateway</html>" in api_error_message(error, PATCH_API)


def test_read_timeout_names_the_request() -> None:
    timeout = urllib3.exceptions.ReadTimeoutError(None, "/apis", "read timed out")
    assert transport_error_message(timeout, PATCH_API) == (
        "the Kubernetes API server at 10.0.0.1:6443 did not answer in time during patch "
        "Deployment shop/api (read timed out); check the kubeconfig server address / network"
    )


def test_server_address_defaults_the_port() -> None:
    assert server_address("https://k8s.example.com") == "k8s.example.com:443"
    assert server_address("http://127.0.0.1:8080/prefix") == "127.0.0.1:8080"
