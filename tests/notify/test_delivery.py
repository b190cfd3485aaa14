"""The retry loop and the masker every notifier shares."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
import requests

from sbkube_ci.errors import NotifyError
from sbkube_ci.notify.delivery import DELIVERY, Reply, deliver, retry_after_header, secret_masker
from tests.support.clocks import VirtualClock


def _replies(*replies: Reply) -> tuple[list[float], Callable[[float], Reply]]:
    timeouts: list[float] = []
    queue = list(replies)

    def attempt(timeout: float) -> Reply:
        timeouts.append(timeout)
        return queue.pop(0)

    return timeouts, attempt


def test_gives_up_after_three_attempts(virtual_clock: VirtualClock) -> None:
    timeouts, attempt = _replies(*[Reply(503)] * 5)
    with pytest.raises(NotifyError, match=r"^x: HTTP 503 after 3 attempt\(s\)$"):
        deliver(attempt, what="x", policy=DELIVERY, clock=virtual_clock.clock())
    assert len(timeouts) == 3
    assert virtual_clock.slept == [1.0, 2.0]
    assert all(t <= 15.0 for t in timeouts)


def test_waits_never_exceed_the_budget(virtual_clock: VirtualClock) -> None:
    timeouts, attempt = _replies(Reply(429, retry_after=20.0), Reply(429, retry_after=20.0))
    with pytest.raises(NotifyError, match="HTTP 429 after 2 attempt"):
        deliver(attempt, what="x", policy=DELIVERY, clock=virtual_clock.clock())
    assert virtual_clock.slept == [20.0]  # a second 20 s wait would pass the 30 s budget
    assert timeouts[1] <= 10.0  # the last attempt only gets what is left of the budget


def test_success_after_a_connection_error(virtual_clock: VirtualClock) -> None:
    _, attempt = _replies(Reply(None, error="cannot connect"), Reply(200))
    reply = deliver(attempt, what="x", policy=DELIVERY, clock=virtual_clock.clock())
    assert reply.status == 200


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_silent_server_times_out_per_attempt(
    silent_port: int, virtual_clock: VirtualClock
) -> None:
    policy = replace(DELIVERY, attempts=2, budget=2.0, attempt_timeout=1.0)

    def attempt(timeout: float) -> Reply:
        try:
            requests.get(f"http://127.0.0.1:{silent_port}/", timeout=(1.0, timeout))
        except requests.Timeout:
            return Reply(None, error=f"no answer within {timeout:.0f}s")
        return Reply(200)

    with pytest.raises(NotifyError, match="no answer within 1s after 1 attempt"):
        deliver(attempt, what="x", policy=policy, clock=virtual_clock.clock())


def test_retry_after_header_in_seconds_only() -> None:
    assert retry_after_header({"retry-after": "7"}) == 7.0
    assert retry_after_header({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert retry_after_header({}) is None


def test_masker_hides_secrets_and_the_path_of_secret_urls() -> None:
    url = "https://hooks.slack.com/services/T000/B000/s3cr3t"
    mask = secret_masker([url, "xoxb-123-456", "ab"])
    assert mask(f"POST {url} failed") == "POST *** failed"
    assert mask("Max retries exceeded with url: /services/T000/B000/s3cr3t") == (
        "Max retries exceeded with url: ***"
    )
    assert mask("token xoxb-123-456") == "token ***"
    assert mask("about abc") == "about abc"  # two-letter "secrets" are not masked
