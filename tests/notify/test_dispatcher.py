"""Dispatcher: who gets which event, one message per deploy, masking, and outages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sbkube_ci.config.models import Config
from sbkube_ci.config.sections import SlackNotifier, WebhookNotifier
from sbkube_ci.errors import NotifyError
from sbkube_ci.notify import AppChange, Dispatcher, Failure, Handle
from sbkube_ci.notify.dispatcher import NotifierConfig
from tests.notify import samples
from tests.support.clocks import VirtualClock
from tests.support.receivers import DiscordWebhook, SlackApi, SlackWebhook


class Documents:
    """A generic webhook receiver keeping every document."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        self.received.append(json.loads(request.get_data()))
        return Response(status=204)


def _notifications(
    configs: Mapping[str, NotifierConfig],
    environ: dict[str, str],
    clock: VirtualClock,
    warnings: list[str],
) -> Dispatcher:
    return Dispatcher.from_config(
        configs, environ=environ, clock=clock.clock(), warn=warnings.append
    )


def _config(raw: dict[str, Any]) -> dict[str, NotifierConfig]:
    return dict(Config.model_validate({"apiVersion": "sbkube/v1", "notify": raw}).notify)


def test_deploy_posts_once_and_edits_the_message_at_the_end(
    httpserver: HTTPServer,
    slack_api: SlackApi,
    discord: DiscordWebhook,
    virtual_clock: VirtualClock,
) -> None:
    documents = Documents()
    httpserver.expect_request("/audit").respond_with_handler(documents)
    configs = _config(
        {
            "slack": {"token_env": "SLACK_BOT_TOKEN", "channel": "#deploys"},
            "discord": {"webhook_url_env": "DISCORD_WEBHOOK_URL"},
            "audit": {"type": "webhook", "url_env": "AUDIT_URL"},
        }
    )
    environ = {
        "SLACK_BOT_TOKEN": slack_api.token,
        "SBKUBE_SLACK_API_URL": slack_api.base_url,
        "DISCORD_WEBHOOK_URL": discord.url,
        "AUDIT_URL": httpserver.url_for("/audit"),
    }
    warnings: list[str] = []
    notifications = _notifications(configs, environ, virtual_clock, warnings)
    started = samples.success().with_kind("deploy_started", duration=None)
    handle = notifications.send(started)
    assert set(handle.refs) == {"slack", "discord"}  # a webhook has nothing to edit
    final = notifications.update(handle, samples.failure())
    assert final.refs == handle.refs
    assert warnings == []
    assert len(slack_api.messages) == 1
    assert "failed" in next(iter(slack_api.messages.values()))["text"]
    assert len(discord.messages) == 1
    assert [d["event"] for d in documents.received] == ["deploy_started", "deploy_failed"]


def test_events_and_clusters_select_the_notifiers(
    httpserver: HTTPServer, virtual_clock: VirtualClock
) -> None:
    failures, staging = Documents(), Documents()
    httpserver.expect_request("/failures").respond_with_handler(failures)
    httpserver.expect_request("/staging").respond_with_handler(staging)
    configs = _config(
        {
            "failures": {"type": "webhook", "url_env": "F_URL", "on": ["deploy_failed"]},
            "staging": {"type": "webhook", "url_env": "S_URL", "clusters": ["staging"]},
        }
    )
    environ = {"F_URL": httpserver.url_for("/failures"), "S_URL": httpserver.url_for("/staging")}
    notifications = _notifications(configs, environ, virtual_clock, [])
    notifications.send(samples.success())  # prod, succeeded: nobody
    notifications.send(samples.failure())  # prod, failed: failures only
    both = samples.success().with_kind(
        "deploy_succeeded",
        clusters=("staging", "prod"),
        apps=(AppChange("api", "staging", "1", "2"), AppChange("api", "prod", "1", "2")),
    )
    notifications.send(both)  # staging sees only its own cluster and apps
    assert [d["event"] for d in failures.received] == ["deploy_failed"]
    assert [(d["clusters"], len(d["apps"])) for d in staging.received] == [(["staging"], 1)]


def test_plan_is_off_by_default_and_late_subscribers_get_a_new_message(
    slack_webhook: SlackWebhook, virtual_clock: VirtualClock
) -> None:
    configs = _config({"slack": {"webhook_url_env": "URL", "on": ["deploy_succeeded"]}})
    notifications = _notifications(configs, {"URL": slack_webhook.url}, virtual_clock, [])
    assert not notifications.wants("slack", samples.success().with_kind("plan"))
    handle = notifications.send(samples.success().with_kind("deploy_started"))
    assert slack_webhook.received == []
    notifications.update(handle, samples.success())
    assert len(slack_webhook.received) == 1
    default = _config({"slack": {"webhook_url_env": "URL"}})["slack"]
    assert "plan" not in default.on


def test_secrets_of_the_notifiers_and_the_mask_never_leave(
    slack_webhook: SlackWebhook, virtual_clock: VirtualClock
) -> None:
    configs: dict[str, NotifierConfig] = {
        "slack": SlackNotifier(type="slack", webhook_url_env="SLACK_WEBHOOK_URL")
    }
    environ = {"SLACK_WEBHOOK_URL": slack_webhook.url}
    notifications = Dispatcher.from_config(
        configs,
        environ=environ,
        clock=virtual_clock.clock(),
        mask=lambda text: text.replace(samples.DB_PASSWORD, "<masked>"),
    )
    event = samples.failure()
    leaky = event.with_kind(
        "deploy_failed",
        failure=Failure("api", f"POST {slack_webhook.url}: {samples.DB_PASSWORD}"),
    )
    notifications.send(leaky)
    sent = json.dumps(slack_webhook.received)
    assert slack_webhook.path not in sent
    assert samples.DB_PASSWORD not in sent
    assert "POST ***: &lt;masked&gt;" in sent


def test_a_notifier_that_is_down_warns_and_never_raises(virtual_clock: VirtualClock) -> None:
    stopped = HTTPServer(host="127.0.0.1", port=0)
    stopped.start()
    url = stopped.url_for("/services/T0/B0/down-s3cr3t")
    stopped.stop()  # connection refused from now on
    configs = _config({"slack": {"webhook_url_env": "SLACK_WEBHOOK_URL"}})
    warnings: list[str] = []
    notifications = _notifications(configs, {"SLACK_WEBHOOK_URL": url}, virtual_clock, warnings)
    handle = notifications.send(samples.success())
    assert handle == Handle()
    assert warnings == [
        "warning: notify.slack: cannot reach Slack (URLError) after 3 attempt(s); "
        "carrying on without this notification"
    ]
    assert sum(virtual_clock.slept) <= 30.0


def test_unset_variable_is_a_warning_at_send_naming_notifier_and_variable(
    virtual_clock: VirtualClock,
) -> None:
    configs = _config({"discord": {"webhook_url_env": "DISCORD_WEBHOOK_URL"}})
    warnings: list[str] = []
    _notifications(configs, {}, virtual_clock, warnings).send(samples.success())
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "warning: notify.discord.webhook_url_env: environment variable DISCORD_WEBHOOK_URL "
        "is not set;"
    )


def test_check_reports_each_notifier(
    slack_webhook: SlackWebhook, virtual_clock: VirtualClock
) -> None:
    configs = _config(
        {
            "slack": {"webhook_url_env": "URL", "on": ["deploy_failed"]},
            "audit": {"type": "webhook", "url_env": "MISSING"},
        }
    )
    results = _notifications(configs, {"URL": slack_webhook.url}, virtual_clock, []).check(
        samples.success()
    )
    assert results["slack"] == ""  # sent although it only listens to failures: it is a test
    assert "MISSING is not set" in results["audit"]
    assert len(slack_webhook.received) == 1
    configs_only: dict[str, NotifierConfig] = {
        "audit": WebhookNotifier(type="webhook", url_env="X")
    }
    with pytest.raises(NotifyError) as caught:
        Dispatcher.from_config(configs_only, environ={}).check(samples.success(), only="nope")
    assert str(caught.value) == "notify.nope: no such notifier in sbkube.yaml; known: audit"


def test_plan_is_sent_only_when_it_has_changes(virtual_clock: VirtualClock) -> None:
    configs = _config({"slack": {"webhook_url_env": "URL", "on": ["plan"]}})
    notifications = _notifications(configs, {"URL": "http://127.0.0.1:9/"}, virtual_clock, [])
    changes = samples.success().with_kind("plan")
    assert notifications.wants("slack", changes)
    nothing = changes.with_kind("plan", apps=(AppChange("api", "prod", "3", "3"),))
    assert not notifications.wants("slack", nothing)


def test_a_deleted_first_message_is_replaced_by_a_new_one(
    discord: DiscordWebhook, virtual_clock: VirtualClock
) -> None:
    configs = _config({"discord": {"webhook_url_env": "DISCORD_WEBHOOK_URL"}})
    warnings: list[str] = []
    notifications = _notifications(
        configs, {"DISCORD_WEBHOOK_URL": discord.url}, virtual_clock, warnings
    )
    handle = notifications.send(samples.success().with_kind("deploy_started"))
    discord.messages.clear()  # someone deleted the "deploying…" message
    final = notifications.update(handle, samples.success())
    assert warnings == []
    assert final.refs["discord"] != handle.refs["discord"]
    assert [m["embeds"][0]["title"] for m in discord.messages.values()] == [
        "✅ Deployed shop to prod"
    ]
