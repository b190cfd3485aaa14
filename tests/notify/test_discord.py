"""Discord's execute-webhook endpoint: ?wait=true for the id, PATCH to edit, 429 retry_after."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sbkube_ci.config.sections import DiscordNotifier
from sbkube_ci.errors import NotifyError
from sbkube_ci.notify import MessageRef, NotifyContext
from sbkube_ci.notify.discord import Discord, _with_path
from sbkube_ci.notify.discord_embed import message
from tests.notify import samples
from tests.support.clocks import VirtualClock
from tests.support.receivers import DiscordWebhook, rate_limited_discord

MakeCtx = Callable[..., NotifyContext]
CONFIG = DiscordNotifier(type="discord", webhook_url_env="DISCORD_WEBHOOK_URL")


def _discord(url: str, make_ctx: MakeCtx) -> Discord:
    return Discord("discord", CONFIG, make_ctx(DISCORD_WEBHOOK_URL=url))


def test_send_waits_for_the_message_id_and_update_patches_it(
    discord: DiscordWebhook, make_ctx: MakeCtx, httpserver: HTTPServer
) -> None:
    notifier = _discord(discord.url, make_ctx)
    ref = notifier.send(samples.success().with_kind("deploy_started", duration=None))
    assert ref is not None
    assert list(discord.messages) == [ref.message_id]
    assert notifier.update(ref, samples.failure()) == ref
    assert discord.messages[ref.message_id] == message(samples.failure())
    methods = [(r.method, r.args.get("wait")) for r, _ in httpserver.log]
    assert methods == [("POST", "true"), ("PATCH", None)]


def test_update_of_a_deleted_message_is_reported(
    discord: DiscordWebhook, make_ctx: MakeCtx
) -> None:
    with pytest.raises(NotifyError, match="HTTP 404 Unknown Message after 1 attempt"):
        _discord(discord.url, make_ctx).update(MessageRef("discord", "42"), samples.success())


def test_429_honours_the_json_retry_after_then_delivers(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    receiver = DiscordWebhook(httpserver).install(rate_limited_discord(0.25))
    assert _discord(receiver.url, make_ctx).send(samples.success()) is not None
    assert virtual_clock.slept == [0.25]  # the JSON's fraction, finer than the header's "1"
    assert len(receiver.messages) == 1


def test_500_then_success(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    receiver = DiscordWebhook(httpserver).install(Response("bad gateway", status=502))
    assert _discord(receiver.url, make_ctx).send(samples.success()) is not None
    assert virtual_clock.slept == [1.0]


def test_400_is_not_retried(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    httpserver.expect_request("/api/webhooks/1/x").respond_with_json(
        {"code": 50006, "message": "Cannot send an empty message"}, status=400
    )
    with pytest.raises(NotifyError) as caught:
        _discord(httpserver.url_for("/api/webhooks/1/x"), make_ctx).send(samples.success())
    assert str(caught.value) == (
        "notify.discord: HTTP 400 Cannot send an empty message after 1 attempt(s)"
    )
    assert len(httpserver.log) == 1
    assert virtual_clock.slept == []


def test_retry_after_beyond_the_budget_gives_up_without_waiting(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    httpserver.expect_request("/api/webhooks/1/x").respond_with_response(
        rate_limited_discord(120.0)
    )
    with pytest.raises(NotifyError, match="HTTP 429"):
        _discord(httpserver.url_for("/api/webhooks/1/x"), make_ctx).send(samples.success())
    assert virtual_clock.slept == []
    assert len(httpserver.log) == 1


def test_thread_id_in_the_webhook_url_is_kept() -> None:
    url = "https://discord.com/api/webhooks/1/tok?thread_id=99"
    assert _with_path(url, "", {"wait": "true"}) == (
        "https://discord.com/api/webhooks/1/tok?thread_id=99&wait=true"
    )
    assert _with_path(url, "/messages/5", {}) == (
        "https://discord.com/api/webhooks/1/tok/messages/5?thread_id=99"
    )
