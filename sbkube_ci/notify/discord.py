"""Discord: a webhook message posted with ``?wait=true`` and edited in place with a PATCH."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from sbkube_ci.config.sections import DiscordNotifier
from sbkube_ci.notify.base import MessageRef, NotifyContext
from sbkube_ci.notify.delivery import Reply, deliver, retry_after_header
from sbkube_ci.notify.discord_embed import message
from sbkube_ci.notify.events import Notification


class Discord:
    """A Discord webhook notifier built from ``notify.<name>``."""

    def __init__(self, name: str, config: DiscordNotifier, ctx: NotifyContext) -> None:
        self.name = name
        self._ctx = ctx
        self._url = ctx.secret(name, "webhook_url_env", config.webhook_url_env)

    def payload(self, event: Notification) -> dict[str, Any]:
        return message(event)

    def send(self, event: Notification) -> MessageRef | None:
        url = _with_path(self._url, "", {"wait": "true"})
        reply = self._request("POST", url, message(event))
        message_id = reply.body.get("id") if isinstance(reply.body, dict) else None
        return MessageRef(self.name, str(message_id)) if message_id else None

    def update(self, ref: MessageRef, event: Notification) -> MessageRef | None:
        url = _with_path(self._url, f"/messages/{ref.message_id}", {})
        self._request("PATCH", url, message(event))
        return ref

    def _request(self, method: str, url: str, body: dict[str, Any]) -> Reply:

        def attempt(timeout: float) -> Reply:
            try:
                response = requests.request(
                    method, url, json=body, timeout=(self._ctx.connect_timeout, timeout)
                )
            except requests.Timeout:
                return Reply(None, error=f"Discord did not answer within {timeout:.0f}s")
            except requests.RequestException as exc:
                return Reply(None, error=f"cannot reach Discord ({type(exc).__name__})")
            return _reply(response)

        return deliver(
            attempt, what=f"notify.{self.name}", policy=self._ctx.policy, clock=self._ctx.clock
        )


def _reply(response: requests.Response) -> Reply:
    try:
        data: Any = response.json() if response.content else None
    except ValueError:
        data = None
    retry_after = retry_after_header(dict(response.headers))
    if isinstance(data, dict) and isinstance(data.get("retry_after"), int | float):
        retry_after = float(data["retry_after"])  # finer than the header: fractions of seconds
    error = ""
    if response.status_code >= 400:
        error = str(data.get("message", "")) if isinstance(data, dict) else response.text
    return Reply(response.status_code, body=data, retry_after=retry_after, error=error[:200])


def _with_path(url: str, suffix: str, query: dict[str, str]) -> str:
    """The webhook URL with ``suffix`` after its path, keeping its query (``thread_id``)."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    params.update(query)
    path = parts.path.rstrip("/") + suffix
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(params), ""))
