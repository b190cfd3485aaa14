"""``sbkube-ci notify test``: a sample message to every notifier; exit 1 when one fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

from sbkube_ci.commands.notify import SAMPLE_DETAIL
from sbkube_ci.notify.text import TEST_NOTE
from tests.support.receivers import DiscordWebhook, SlackWebhook

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """\
apiVersion: sbkube/v1
metadata: {name: shop}
apps:
  api: {type: yaml, manifests: [api.yaml]}
notify:
  slack: {webhook_url_env: SLACK_WEBHOOK_URL, on: [deploy_failed]}
  discord: {webhook_url_env: DISCORD_WEBHOOK_URL}
"""


def _project(tmp_path: Path, config: str = CONFIG) -> Path:
    (tmp_path / "sbkube.yaml").write_text(config)
    (tmp_path / "api.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\n")
    return tmp_path


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.endswith("_WEBHOOK_URL")}
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", "notify", "test", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_sends_a_sample_to_every_notifier(
    tmp_path: Path, slack_webhook: SlackWebhook, discord: DiscordWebhook
) -> None:
    slack = slack_webhook
    result = _run(
        "-C",
        str(_project(tmp_path)),
        SLACK_WEBHOOK_URL=slack.url,
        DISCORD_WEBHOOK_URL=discord.url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ok: notify.slack: test message delivered",
        "ok: notify.discord: test message delivered",
    ]
    (message,) = slack.received
    # a test says so everywhere: title, a field, and (webhooks) the body
    assert message["blocks"][0]["text"]["text"] == "[TEST] ✅ Deployed shop to default"
    sections = [b["text"]["text"] for b in message["blocks"] if "text" in b]
    assert SAMPLE_DETAIL in sections
    fields = [f["text"] for b in message["blocks"] for f in b.get("fields", [])]
    assert fields[0] == f"*Test*\n{TEST_NOTE}".replace("`", "`")
    (embed_message,) = discord.messages.values()
    embed = embed_message["embeds"][0]
    assert embed["title"].startswith("[TEST] ")
    assert [f["name"] for f in embed["fields"]] == ["Test", "api"]
    assert embed["footer"]["text"].startswith("sbkube-ci test message")


def test_the_webhook_body_is_marked_as_a_test(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    config = CONFIG.replace(
        "  slack: {webhook_url_env: SLACK_WEBHOOK_URL, on: [deploy_failed]}\n"
        "  discord: {webhook_url_env: DISCORD_WEBHOOK_URL}\n",
        "  audit: {type: webhook, url_env: AUDIT_URL}\n",
    )
    result = _run("-C", str(_project(tmp_path, config)), AUDIT_URL=httpserver.url_for("/hook"))
    assert result.returncode == 0, result.stderr
    ((request, _),) = httpserver.log
    body = json.loads(request.get_data())
    assert body["test"] is True
    assert body["event"] == "deploy_succeeded"


def test_a_failed_delivery_exits_1_with_one_clear_line(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/services/revoked").respond_with_data("no_service", status=404)
    result = _run(
        "-C",
        str(_project(tmp_path)),
        "--notifier",
        "slack",
        SLACK_WEBHOOK_URL=httpserver.url_for("/services/revoked"),
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "error: notify.slack: HTTP 404 no_service after 1 attempt(s)\n"


def test_json_output(tmp_path: Path, slack_webhook: SlackWebhook) -> None:
    slack = slack_webhook
    result = _run("-C", str(_project(tmp_path)), "--format", "json", SLACK_WEBHOOK_URL=slack.url)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["notifiers"]["slack"] == {"ok": True, "error": None}
    assert "DISCORD_WEBHOOK_URL is not set" in document["notifiers"]["discord"]["error"]


def test_unset_variable_and_unknown_notifier(tmp_path: Path) -> None:
    project = str(_project(tmp_path))
    unset = _run("-C", project, "--notifier", "discord")
    assert unset.returncode == 1
    assert unset.stderr.startswith(
        "error: notify.discord.webhook_url_env: environment variable DISCORD_WEBHOOK_URL is not set"
    )
    unknown = _run("-C", project, "--notifier", "teams")
    assert unknown.returncode == 1
    assert unknown.stderr == (
        "error: notify.teams: no such notifier in sbkube.yaml; known: slack, discord\n"
    )


def test_no_notify_section(tmp_path: Path) -> None:
    result = _run("-C", str(_project(tmp_path, "apiVersion: sbkube/v1\n")))
    assert result.returncode == 1
    assert "no notify section" in result.stderr


def test_masks_every_credential_as_deploy_does(tmp_path: Path, slack_webhook: SlackWebhook) -> None:
    # A credential that is not in diff.mask_env, pasted by accident into a commit message.
    slack = slack_webhook
    config = CONFIG.replace(
        "apps:",
        "settings:\n  helm_repos:\n    private:\n      url: https://charts.example.com\n"
        "      username: deploy\n      password: ${CHARTS_PASSWORD}\napps:",
    ).replace(", on: [deploy_failed]", "")
    leaked = "chart-repo-s3cr3t-Value"
    result = _run(
        "-C",
        str(_project(tmp_path, config)),
        "--notifier",
        "slack",
        SLACK_WEBHOOK_URL=slack.url,
        CHARTS_PASSWORD=leaked,
        GITLAB_CI="true",
        CI_PROJECT_URL="https://gitlab.example/acme/shop",
        CI_COMMIT_SHA="c0ffee" * 6 + "abcd",
        CI_COMMIT_MESSAGE=f"fix: rotate the chart password ({leaked})",
    )
    assert result.returncode == 0, result.stderr
    (message,) = slack.received
    assert "rotate the chart password" in json.dumps(message)
    assert leaked not in json.dumps(message)
    assert leaked not in result.stdout + result.stderr
