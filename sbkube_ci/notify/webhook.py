"""Generic webhook: the event as a JSON document, signed like GitHub's webhooks when asked.

The document's shape is documented in docs/notifications.md and versioned by
``schema_version``; receivers verify ``X-Sbkube-Signature-256: sha256=<hex>``, the HMAC-SHA256
of the exact body bytes with the shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import requests

from sbkube_ci import __version__
from sbkube_ci.config.sections import WebhookNotifier
from sbkube_ci.notify.base import MessageRef, NotifyContext
from sbkube_ci.notify.delivery import Reply, deliver, retry_after_header
from sbkube_ci.notify.events import Notification

SCHEMA_VERSION = 1
SIGNATURE_HEADER = "X-Sbkube-Signature-256"


def document(event: Notification) -> dict[str, Any]:
    """The JSON document of ``event`` (schema_version 1)."""
    commit = event.commit
    added, changed, deleted = event.totals
    return {
        "schema_version": SCHEMA_VERSION,
        "event": event.kind,
        "project": event.project,
        "time": event.time.isoformat(),
        "clusters": list(event.clusters),
        "apps": [
            {
                "name": a.name,
                "cluster": a.cluster,
                "old_revision": a.old_revision,
                "new_revision": a.new_revision,
                "added": a.added,
                "changed": a.changed,
                "deleted": a.deleted,
            }
            for a in event.apps
        ],
        "totals": {"added": added, "changed": changed, "deleted": deleted},
        "actor": event.actor,
        "commit": None
        if commit is None
        else {
            "sha": commit.sha,
            "short_sha": commit.short_sha,
            "message": commit.message,
            "url": commit.url,
        },
        "pull_request_url": event.pr_url,
        "run_url": event.run_url,
        "duration_seconds": event.duration,
        "failure": None
        if event.failure is None
        else {
            "app": event.failure.app,
            "cluster": event.failure.cluster,
            "error": event.failure.error,
        },
        "detail": event.detail,
        "test": event.test,
    }


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``body`` keyed with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhook:
    """A generic JSON webhook notifier built from ``notify.<name>``."""

    def __init__(self, name: str, config: WebhookNotifier, ctx: NotifyContext) -> None:
        self.name = name
        self._ctx = ctx
        self._url = ctx.secret(name, "url_env", config.url_env)
        self._secret = (
            ctx.secret(name, "secret_env", config.secret_env) if config.secret_env else None
        )

    def payload(self, event: Notification) -> dict[str, Any]:
        return document(event)

    def send(self, event: Notification) -> MessageRef | None:
        body = json.dumps(document(event), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"sbkube-ci/{__version__}",
            "X-Sbkube-Event": event.kind,
            # One id for every attempt of this delivery, so receivers can drop duplicates.
            "X-Sbkube-Delivery": str(uuid.uuid4()),
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)

        def attempt(timeout: float) -> Reply:
            try:
                response = requests.post(
                    self._url,
                    data=body,
                    headers=headers,
                    timeout=(self._ctx.connect_timeout, timeout),
                )
            except requests.Timeout:
                return Reply(None, error=f"no answer within {timeout:.0f}s")
            except requests.RequestException as exc:
                return Reply(None, error=f"cannot reach the webhook ({type(exc).__name__})")
            return Reply(
                response.status_code,
                retry_after=retry_after_header(dict(response.headers)),
                error="" if response.ok else response.text[:200],
            )

        deliver(attempt, what=f"notify.{self.name}", policy=self._ctx.policy, clock=self._ctx.clock)
        return None  # a webhook receives documents; there is no message to edit

    def update(self, ref: MessageRef, event: Notification) -> MessageRef | None:
        return self.send(event)
