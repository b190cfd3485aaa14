"""Fixtures of the notify tests: a clock that records sleeps, receivers, a fast policy."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer

from sbkube_ci.notify import Clock, NotifyContext
from sbkube_ci.notify.delivery import DELIVERY
from tests.notify.receivers import DiscordWebhook, SlackApi, SlackWebhook


class VirtualClock:
    """Real time plus whatever was 'slept': retries are exercised without waiting for them."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + sum(self.slept)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def clock(self) -> Clock:
        return Clock(monotonic=self.monotonic, sleep=self.sleep)


@pytest.fixture
def virtual_clock() -> VirtualClock:
    return VirtualClock()


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
def make_ctx(virtual_clock: VirtualClock) -> Callable[..., NotifyContext]:
    """A notifier context with the given environment, the default policy, the virtual clock."""

    def make(**environ: str) -> NotifyContext:
        return NotifyContext(environ=environ, policy=DELIVERY, clock=virtual_clock.clock())

    return make
