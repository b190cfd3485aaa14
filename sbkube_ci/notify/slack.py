"""Slack: an incoming webhook, or a bot token that posts once and then edits the same message.

slack-sdk does the HTTP; its own retry handlers are switched off so that ``deliver`` applies the
one retry policy every notifier shares. ``SBKUBE_SLACK_API_URL`` points the Web API client at a
self-hosted proxy (or a test receiver); webhooks need nothing since their URL is the secret.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from sbkube_ci.config.sections import SlackNotifier
from sbkube_ci.errors import NotifyError
from sbkube_ci.notify.base import MessageRef, NotifyContext
from sbkube_ci.notify.delivery import Reply, deliver, retry_after_header
from sbkube_ci.notify.events import Notification
from sbkube_ci.notify.slack_blocks import message

# What to do about the Web API errors a misconfigured notifier meets.
_HINTS = {
    "channel_not_found": "check the channel name or ID and invite the bot to the channel",
    "not_in_channel": "invite the bot to the channel (/invite @your-app)",
    "is_archived": "the channel is archived; pick another one",
    "invalid_auth": "the token is not valid; check the bot token variable",
    "not_authed": "no token was sent; check the bot token variable",
    "token_revoked": "the token was revoked; install the app again and update the secret",
    "missing_scope": "add the chat:write scope to the app and reinstall it",
}
API_URL_ENV = "SBKUBE_SLACK_API_URL"
DEFAULT_API_URL = "https://slack.com/api/"


class Slack:
    """A Slack notifier (webhook or bot token) built from ``notify.<name>``."""

    def __init__(self, name: str, config: SlackNotifier, ctx: NotifyContext) -> None:
        self.name = name
        self._ctx = ctx
        self._channel = config.channel
        self._webhook_url: str | None = None
        self._token: str | None = None
        if config.webhook_url_env:
            self._webhook_url = ctx.secret(name, "webhook_url_env", config.webhook_url_env)
        elif config.token_env:
            self._token = ctx.secret(name, "token_env", config.token_env)
        # slack-sdk appends the method name to the base URL as is: it must end with a slash.
        self._api_url = (ctx.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/") + "/"

    def payload(self, event: Notification) -> dict[str, Any]:
        return message(event)

    def send(self, event: Notification) -> MessageRef | None:
        body = message(event)
        if self._webhook_url is not None:
            self._deliver(lambda timeout: self._post_webhook(body, timeout))
            return None  # an incoming webhook cannot edit what it posted
        reply = self._deliver(lambda timeout: self._call("chat_postMessage", body, None, timeout))
        return MessageRef(self.name, str(reply.body["ts"]), str(reply.body["channel"]))

    def update(self, ref: MessageRef, event: Notification) -> MessageRef | None:
        if self._webhook_url is not None:
            return self.send(event)
        body = message(event)
        self._deliver(lambda timeout: self._call("chat_update", body, ref, timeout))
        return ref

    def _deliver(self, attempt: Any) -> Reply:
        return deliver(
            attempt, what=f"notify.{self.name}", policy=self._ctx.policy, clock=self._ctx.clock
        )

    def _post_webhook(self, body: dict[str, Any], timeout: float) -> Reply:
        assert self._webhook_url is not None  # noqa: S101 - the caller checked
        client = WebhookClient(self._webhook_url, timeout=max(1, int(timeout)), retry_handlers=[])
        try:
            response = client.send_dict(body)
        except OSError as exc:
            return Reply(None, error=f"cannot reach Slack ({type(exc).__name__})")
        text = str(response.body or "").strip()
        # Slack answers 200 "ok"; anything else names what it refused (invalid_payload, no_text).
        error = "" if response.status_code == 200 and text == "ok" else text[:200]
        return Reply(
            response.status_code,
            body=text,
            error=error,
            retry_after=retry_after_header(dict(response.headers or {})),
        )

    def _call(
        self, method: str, body: dict[str, Any], ref: MessageRef | None, timeout: float
    ) -> Reply:
        client = WebClient(
            token=self._token,
            base_url=self._api_url,
            timeout=max(1, int(timeout)),
            retry_handlers=[],
        )
        kwargs: dict[str, Any] = {"channel": self._channel, **body}
        if ref is not None:
            kwargs.update(channel=ref.channel, ts=ref.message_id)
        try:
            response = getattr(client, method)(**kwargs)
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            error = str(data.get("error") or "error")[:200]
            hint = _HINTS.get(error)
            return Reply(
                exc.response.status_code,
                error=f"{error} ({hint})" if hint else error,
                retry_after=retry_after_header(dict(exc.response.headers or {})),
            )
        except OSError as exc:
            return Reply(None, error=f"cannot reach the Slack API ({type(exc).__name__})")
        data = response.data if isinstance(response.data, dict) else {}
        if "ts" not in data or "channel" not in data:
            raise NotifyError(f"notify.{self.name}: Slack answered {method} without ts/channel")
        return Reply(response.status_code, body=data)
