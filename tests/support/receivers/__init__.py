"""Local HTTP receivers that answer as GitHub, GitLab, Slack and Discord do, and their fixtures.

Each runs on pytest-httpserver's ``httpserver``, keeps what it accepted and refuses what the
real service would refuse, so tests assert on what a pull request or a channel would show.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.receivers.chat import (
    DiscordWebhook,
    SlackApi,
    SlackWebhook,
    discord_limit_problem,
    rate_limited_discord,
    slack_limit_problem,
)
from tests.support.receivers.forges import FakeGitHub, FakeGitLab
from tests.support.receivers.http import Recorded

__all__ = [
    "DiscordWebhook",
    "FakeGitHub",
    "FakeGitLab",
    "Recorded",
    "SlackApi",
    "SlackWebhook",
    "discord_limit_problem",
    "rate_limited_discord",
    "slack_limit_problem",
]


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    return FakeGitHub(httpserver).install()


@pytest.fixture
def gitlab(httpserver: HTTPServer) -> FakeGitLab:
    return FakeGitLab(httpserver).install()


@pytest.fixture
def slack_webhook(httpserver: HTTPServer) -> SlackWebhook:
    return SlackWebhook(httpserver).install()


@pytest.fixture
def slack_api(httpserver: HTTPServer) -> SlackApi:
    return SlackApi(httpserver).install()


@pytest.fixture
def discord(httpserver: HTTPServer) -> DiscordWebhook:
    return DiscordWebhook(httpserver).install()


@pytest.fixture
def webhook(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """A generic webhook at ``$HOOK_URL`` that answers ``{}`` to every POST (see ``.log``)."""
    monkeypatch.setenv("HOOK_URL", httpserver.url_for("/hook"))
    httpserver.expect_request("/hook", method="POST").respond_with_json({})
    return httpserver
