"""Slack through slack-sdk against receivers that answer as Slack's webhook and Web API do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sbkube_ci.config.sections import SlackNotifier
from sbkube_ci.errors import NotifyError
from sbkube_ci.notify import NotifyContext
from sbkube_ci.notify.slack import Slack
from sbkube_ci.notify.slack_blocks import message
from tests.notify import samples
from tests.support.clocks import VirtualClock
from tests.support.receivers import SlackApi, SlackWebhook

MakeCtx = Callable[..., NotifyContext]
WEBHOOK = SlackNotifier(type="slack", webhook_url_env="SLACK_WEBHOOK_URL")
BOT = SlackNotifier(type="slack", token_env="SLACK_BOT_TOKEN", channel="#deploys")


def _webhook(url: str, make_ctx: MakeCtx) -> Slack:
    return Slack("slack", WEBHOOK, make_ctx(SLACK_WEBHOOK_URL=url))


def _bot(api: SlackApi, make_ctx: MakeCtx, config: SlackNotifier = BOT) -> Slack:
    # Written without the trailing slash, as people do; the notifier adds it.
    ctx = make_ctx(SLACK_BOT_TOKEN=api.token, SBKUBE_SLACK_API_URL=api.base_url.rstrip("/"))
    return Slack("slack", config, ctx)


def test_webhook_posts_the_block_kit_message(
    slack_webhook: SlackWebhook, make_ctx: MakeCtx
) -> None:
    assert _webhook(slack_webhook.url, make_ctx).send(samples.success()) is None
    assert slack_webhook.received == [message(samples.success())]


def test_webhook_refusal_is_one_line_and_not_retried(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    httpserver.expect_request("/services/bad").respond_with_data("invalid_payload", status=400)
    with pytest.raises(NotifyError) as caught:
        _webhook(httpserver.url_for("/services/bad"), make_ctx).send(samples.success())
    assert str(caught.value) == "notify.slack: HTTP 400 invalid_payload after 1 attempt(s)"
    assert len(httpserver.log) == 1
    assert virtual_clock.slept == []


def test_webhook_no_text_answer_is_reported(httpserver: HTTPServer, make_ctx: MakeCtx) -> None:
    httpserver.expect_request("/services/t").respond_with_data("no_text", status=400)
    with pytest.raises(NotifyError, match="HTTP 400 no_text after 1 attempt"):
        _webhook(httpserver.url_for("/services/t"), make_ctx).send(samples.success())


def test_webhook_429_waits_retry_after_then_delivers(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    rate_limited = Response("rate_limited", status=429, headers={"Retry-After": "2"})
    receiver = SlackWebhook(httpserver).install(rate_limited)
    _webhook(receiver.url, make_ctx).send(samples.success())
    assert virtual_clock.slept == [2.0]
    assert len(receiver.received) == 1
    assert len(httpserver.log) == 2


def test_webhook_500_is_retried_with_backoff(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    receiver = SlackWebhook(httpserver).install(Response("oops", status=500))
    _webhook(receiver.url, make_ctx).send(samples.success())
    assert virtual_clock.slept == [1.0]
    assert len(receiver.received) == 1


def test_bot_posts_once_then_edits_the_same_message(slack_api: SlackApi, make_ctx: MakeCtx) -> None:
    slack = _bot(slack_api, make_ctx)
    started = samples.success().with_kind("deploy_started", duration=None)
    ref = slack.send(started)
    assert ref is not None
    assert ref.channel == "C0DEPLOYS"
    assert slack.update(ref, samples.success()) == ref
    assert [method for method, _ in slack_api.calls] == ["chat.postMessage", "chat.update"]
    assert list(slack_api.messages) == [ref.message_id]
    shown = slack_api.messages[ref.message_id]
    assert shown["blocks"] == message(samples.success())["blocks"]
    assert shown["channel"] == "C0DEPLOYS"


def test_bot_unknown_channel_is_reported_without_retry(
    slack_api: SlackApi, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    config = SlackNotifier(type="slack", token_env="SLACK_BOT_TOKEN", channel="#nowhere")
    with pytest.raises(NotifyError) as caught:
        _bot(slack_api, make_ctx, config).send(samples.success())
    assert str(caught.value) == (
        "notify.slack: channel_not_found (check the channel name or ID and invite the bot to "
        "the channel) after 1 attempt(s)"
    )
    assert len(slack_api.calls) == 1
    assert virtual_clock.slept == []


def test_bot_429_from_the_web_api_honours_retry_after(
    httpserver: HTTPServer, make_ctx: MakeCtx, virtual_clock: VirtualClock
) -> None:
    ratelimited = '{"ok": false, "error": "ratelimited"}'
    api = SlackApi(httpserver).install(
        Response(ratelimited, status=429, headers={"Retry-After": "3"})
    )
    ref = _bot(api, make_ctx).send(samples.success())
    assert ref is not None
    assert virtual_clock.slept == [3.0]
    assert len(api.messages) == 1


def test_unset_variable_names_notifier_and_variable(make_ctx: MakeCtx) -> None:
    with pytest.raises(NotifyError) as caught:
        Slack("team-chat", BOT, make_ctx())
    assert str(caught.value).startswith(
        "notify.team-chat.token_env: environment variable SLACK_BOT_TOKEN is not set;"
    )
