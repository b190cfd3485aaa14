"""HTTP receivers that answer as Slack and Discord do, and refuse what they would refuse.

Each records what it accepted, so tests assert on the messages a channel would show.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Self

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sbkube_ci.notify import discord_embed, slack_blocks
from tests.support.receivers.http import json_response as _json


def slack_limit_problem(body: dict[str, Any]) -> str | None:
    """What Slack would refuse in this message (it answers invalid_blocks), or None."""
    blocks = body.get("blocks") or []
    if len(blocks) > slack_blocks.MAX_BLOCKS:
        return "too many blocks"
    for block in blocks:
        if block["type"] == "header" and len(block["text"]["text"]) > slack_blocks.HEADER_TEXT:
            return "header too long"
        if block["type"] == "section":
            if len(block.get("text", {}).get("text", "")) > slack_blocks.SECTION_TEXT:
                return "section text too long"
            if len(block.get("fields", [])) > slack_blocks.SECTION_FIELDS:
                return "too many fields"
    if len(json.dumps(body, ensure_ascii=False)) > slack_blocks.MESSAGE_CHARS:
        return "message too long"
    return None


def discord_limit_problem(body: dict[str, Any]) -> str | None:
    """What Discord would refuse with 400 Invalid Form Body, or None."""
    d = discord_embed
    embeds = body.get("embeds", [])
    checks = [("content", len(body.get("content") or ""), d.CONTENT)]
    checks.append(("embeds", sum(d.embed_size(e) for e in embeds), d.EMBEDS_TOTAL))
    for embed in embeds:
        fields = embed.get("fields", [])
        checks += [
            ("title", len(embed.get("title", "")), d.TITLE),
            ("description", len(embed.get("description", "")), d.DESCRIPTION),
            ("fields", len(fields), d.FIELDS),
            ("footer.text", len(embed.get("footer", {}).get("text", "")), d.FOOTER),
        ]
        checks += [("fields.name", len(f["name"]), d.FIELD_NAME) for f in fields]
        checks += [("fields.value", len(f["value"]), d.FIELD_VALUE) for f in fields]
    return next((name for name, size, limit in checks if size > limit), None)


@dataclass
class _Webhook:
    """A webhook URL on ``server``: its path is the secret."""

    server: HTTPServer
    path: str = ""

    @property
    def url(self) -> str:
        return self.server.url_for(self.path)

    def install(self, *first: Response) -> Self:
        """Serve the webhook; the first requests get the ``first`` answers, one each."""
        for answer in first:
            self.server.expect_oneshot_request(self.path).respond_with_response(answer)
        self._route()
        return self

    def _route(self) -> None:
        raise NotImplementedError


@dataclass
class SlackWebhook(_Webhook):
    """An incoming webhook: 200 ``ok``; 400 ``invalid_payload``, ``no_text``, ``invalid_blocks``."""

    path: str = "/services/T000/B000/s3cr3tw3bh00k"
    received: list[dict[str, Any]] = field(default_factory=list)

    def _route(self) -> None:
        self.server.expect_request(self.path, method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError:
            return Response("invalid_payload", status=400)
        if not body.get("text") and not body.get("blocks"):
            return Response("no_text", status=400)
        if slack_limit_problem(body):
            return Response("invalid_blocks", status=400)
        self.received.append(body)
        return Response("ok", status=200)


@dataclass
class SlackApi:
    """``chat.postMessage`` and ``chat.update`` of the Web API, with one known channel."""

    server: HTTPServer
    token: str = "xoxb-test-token-0001"
    channels: dict[str, str] = field(default_factory=lambda: {"#deploys": "C0DEPLOYS"})
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ts: Any = field(default_factory=lambda: itertools.count(100))

    @property
    def base_url(self) -> str:
        return self.server.url_for("/api/")

    def install(self, *first: Response) -> SlackApi:
        """Serve the API; the first ``chat.postMessage`` calls get the ``first`` answers."""
        for answer in first:
            post = self.server.expect_oneshot_request("/api/chat.postMessage")
            post.respond_with_response(answer)
        for method in ("chat.postMessage", "chat.update"):
            self.server.expect_request(f"/api/{method}", method="POST").respond_with_handler(
                self.handle
            )
        return self

    def handle(self, request: Request) -> Response:
        method = request.path.rsplit("/", 1)[-1]
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"ok": False, "error": "invalid_auth"})
        body = json.loads(request.get_data(as_text=True))
        self.calls.append((method, body))
        channel = self.channels.get(body.get("channel", ""), body.get("channel"))
        if channel not in self.channels.values():
            return _json({"ok": False, "error": "channel_not_found"})
        if slack_limit_problem(body):
            return _json({"ok": False, "error": "invalid_blocks"})
        if method == "chat.update":
            if body.get("ts") not in self.messages:
                return _json({"ok": False, "error": "message_not_found"})
            ts = body["ts"]
        else:
            ts = f"1764235800.000{next(self._ts)}"
        self.messages[ts] = body
        return _json({"ok": True, "channel": channel, "ts": ts, "message": {"text": body["text"]}})


@dataclass
class DiscordWebhook(_Webhook):
    """An execute-webhook endpoint: 204, or the message with ``?wait=true``; PATCH edits it."""

    path: str = "/api/webhooks/1234567890/d1sc0rdT0ken-secret"
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1_100_000_000_000_000_000))

    def _route(self) -> None:
        self.server.expect_request(self.path, method="POST").respond_with_handler(self.post)
        messages = re.compile(re.escape(self.path) + r"/messages/[0-9]+")
        self.server.expect_request(messages, method="PATCH").respond_with_handler(self.patch)

    def post(self, request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True))
        problem = discord_limit_problem(body)
        if problem:
            return _json({"code": 50035, "message": "Invalid Form Body", "errors": problem}, 400)
        message_id = str(next(self._ids))
        self.messages[message_id] = body
        if request.args.get("wait") == "true":
            return _json({"id": message_id, "type": 0, **body})
        return Response(status=204)

    def patch(self, request: Request) -> Response:
        message_id = request.path.rsplit("/", 1)[-1]
        if message_id not in self.messages:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        body = json.loads(request.get_data(as_text=True))
        problem = discord_limit_problem(body)
        if problem:
            return _json({"code": 50035, "message": "Invalid Form Body", "errors": problem}, 400)
        self.messages[message_id] = body
        return _json({"id": message_id, "type": 0, **body})


def rate_limited_discord(retry_after: float = 0.25) -> Response:
    """Discord's 429: JSON ``retry_after`` in seconds (float) and a ``Retry-After`` header."""
    return _json(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        status=429,
        headers={"Retry-After": str(max(1, round(retry_after)))},
    )
