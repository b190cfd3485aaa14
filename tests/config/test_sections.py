"""The notify: section as users write it, and the messages validate gives for mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sbkube_ci._yaml import read_text
from sbkube_ci.config.loader import check_document
from sbkube_ci.config.sections import DEFAULT_EVENTS

ROOT = Path(__file__).resolve().parents[2]


def _problems(text: str, tmp_path: Path) -> list[str]:
    doc = read_text(text, "sbkube.yaml")
    _, problems = check_document(doc, tmp_path)
    return [str(p) for p in problems]


def test_bare_on_key_is_read_as_on_not_as_true(tmp_path: Path) -> None:
    text = """\
apiVersion: sbkube/v1
notify:
  slack:
    webhook_url_env: SLACK_WEBHOOK_URL
    on: [deploy_failed, plan]
    clusters: [prod]
"""
    doc = read_text(text, "sbkube.yaml")
    config, problems = check_document(doc, tmp_path)
    assert problems == []
    assert config is not None
    slack = config.notify["slack"]
    assert slack.type == "slack"
    assert slack.on == ["deploy_failed", "plan"]
    assert slack.clusters == ["prod"]


def test_default_events_leave_plan_out(tmp_path: Path) -> None:
    text = "apiVersion: sbkube/v1\nnotify:\n  discord: {webhook_url_env: DISCORD_WEBHOOK_URL}\n"
    config, _ = check_document(read_text(text, "sbkube.yaml"), tmp_path)
    assert config is not None
    assert config.notify["discord"].on == DEFAULT_EVENTS
    assert "plan" not in DEFAULT_EVENTS


def test_unknown_event_names_the_event_and_lists_the_known_ones(tmp_path: Path) -> None:
    text = (
        "apiVersion: sbkube/v1\nnotify:\n  slack:\n    webhook_url_env: U\n"
        "    on: [deploy_sucess]\n"
    )
    assert _problems(text, tmp_path) == [
        "sbkube.yaml:5:9: notify.slack.on: unknown event 'deploy_sucess'; events are: plan, "
        "deploy_started, deploy_succeeded, deploy_failed, rollback, lock_taken_over, "
        "drift_detected"
    ]


@pytest.mark.parametrize("channel", ["Deploys!", "#Deploys", "deploys channel"])
def test_invalid_channel_says_what_to_write(tmp_path: Path, channel: str) -> None:
    text = (
        "apiVersion: sbkube/v1\nnotify:\n  slack:\n    token_env: SLACK_BOT_TOKEN\n"
        f"    channel: '{channel}'\n"
    )
    (problem,) = _problems(text, tmp_path)
    assert problem == (
        f"sbkube.yaml:5:14: notify.slack.channel: {channel!r} is not a Slack channel; write "
        "#name (lower-case letters, digits, '-', '_' or '.', at most 80) or a channel ID such "
        "as C0123456"
    )


@pytest.mark.parametrize("channel", ["#deploys", "deploys", "C0123ABCD", "@alice"])
def test_valid_channels(tmp_path: Path, channel: str) -> None:
    text = (
        "apiVersion: sbkube/v1\nnotify:\n  slack:\n    token_env: SLACK_BOT_TOKEN\n"
        f"    channel: '{channel}'\n"
    )
    assert _problems(text, tmp_path) == []


def test_validate_warns_in_ci_about_unset_notifier_variables(tmp_path: Path) -> None:
    (tmp_path / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\nnotify:\n  slack:\n    webhook_url_env: SBKUBE_TEST_UNSET_HOOK\n"
    )
    env = {"PATH": "/usr/bin:/bin", "CI": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "sbkube_ci", "validate", "-C", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "2 warning(s)" in result.stdout  # and one for the local state backend in CI
    assert "warning: state.backend: local keeps state in" in result.stdout
    assert (
        "warning: notify.slack.webhook_url_env: environment variable SBKUBE_TEST_UNSET_HOOK is "
        "not set in this job; notifications to slack will fail until it is added as a CI secret"
    ) in result.stdout


def test_default_events_are_every_other_event() -> None:
    assert DEFAULT_EVENTS == [
        "deploy_started",
        "deploy_succeeded",
        "deploy_failed",
        "rollback",
        "lock_taken_over",
        "drift_detected",
    ]
