"""The generic webhook: a versioned JSON document, HMAC-signed, verified by the receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sbkube_ci.config.sections import WebhookNotifier
from sbkube_ci.errors import NotifyError
from sbkube_ci.notify import NotifyContext
from sbkube_ci.notify.webhook import SCHEMA_VERSION, Webhook, document
from tests.notify import samples
from tests.support.clocks import VirtualClock

MakeCtx = Callable[..., NotifyContext]
SECRET = "whsec-0123456789abcdef"


class SigningReceiver:
    """Accepts a delivery only if its signature verifies, as a careful receiver does."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.accepted: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        body = request.get_data()
        self.headers.append(dict(request.headers))
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            given = request.headers.get("X-Sbkube-Signature-256", "")
            if not hmac.compare_digest(expected, given):
                return Response("bad signature", status=401)
        self.accepted.append(json.loads(body))
        return Response(status=204)


def _webhook(url: str, make_ctx: MakeCtx, secret: str | None) -> Webhook:
    config = WebhookNotifier(
        type="webhook", url_env="HOOK_URL", secret_env="HOOK_SECRET" if secret else None
    )
    env = {"HOOK_URL": url, **({"HOOK_SECRET": secret} if secret else {})}
    return Webhook("audit", config, make_ctx(**env))


def test_signed_document_is_verified_by_the_receiver(
    httpserver: HTTPServer, make_ctx: MakeCtx
) -> None:
    receiver = SigningReceiver(SECRET)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    _webhook(httpserver.url_for("/hook"), make_ctx, SECRET).send(samples.success())
    assert receiver.accepted == [document(samples.success())]
    assert receiver.accepted[0]["schema_version"] == SCHEMA_VERSION
    assert receiver.headers[0]["X-Sbkube-Event"] == "deploy_succeeded"


def test_wrong_secret_is_refused_by_the_receiver_and_not_retried(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    receiver = SigningReceiver("another-secret")
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    with pytest.raises(NotifyError, match="HTTP 401 bad signature after 1 attempt"):
        _webhook(httpserver.url_for("/hook"), make_ctx, SECRET).send(samples.success())
    assert receiver.accepted == []
    assert virtual_clock.slept == []


def test_unsigned_without_a_secret(httpserver: HTTPServer, make_ctx: MakeCtx) -> None:
    receiver = SigningReceiver(None)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    _webhook(httpserver.url_for("/hook"), make_ctx, None).send(samples.failure())
    assert "X-Sbkube-Signature-256" not in receiver.headers[0]
    assert receiver.accepted[0]["failure"]["app"] == "api"


def test_retries_share_one_delivery_id(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    receiver = SigningReceiver(SECRET)
    httpserver.expect_oneshot_request("/hook").respond_with_data("busy", status=503)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    _webhook(httpserver.url_for("/hook"), make_ctx, SECRET).send(samples.success())
    ids = {r.headers["X-Sbkube-Delivery"] for r, _ in httpserver.log}
    assert len(httpserver.log) == 2
    assert len(ids) == 1
    assert virtual_clock.slept == [1.0]
