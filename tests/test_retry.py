"""The one retry policy and loop: each caller's numbers, Retry-After, the budget."""

from __future__ import annotations

import math

import pytest

from sbkube_ci._retry import Clock, RetryPolicy, retry_after, retrying
from sbkube_ci.ci.http import API_RETRY
from sbkube_ci.notify.delivery import DELIVERY
from sbkube_ci.state.base import CAS_RETRY
from sbkube_ci.state.lock import LOCK_POLL


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, sleep=self.sleep)


def test_delays_double_from_the_base_up_to_the_cap() -> None:
    assert [API_RETRY.delay(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert [DELIVERY.delay(n) for n in range(2)] == [1, 2]
    assert RetryPolicy(base=0.1, cap=2.0).delay(10_000) == 2.0  # no overflow


@pytest.mark.parametrize("policy", [CAS_RETRY, LOCK_POLL])
def test_jitter_shortens_a_wait_by_at_most_its_fraction(policy: RetryPolicy) -> None:
    for failures in range(20):
        full = min(policy.cap, policy.base * 2**failures)
        assert full * 0.5 <= policy.delay(failures) <= full


def test_state_keeps_its_numbers() -> None:
    assert (CAS_RETRY.attempts, CAS_RETRY.base, CAS_RETRY.cap) == (80, 0.02, 1.0)
    assert (LOCK_POLL.base, LOCK_POLL.cap) == (0.05, 2)


def test_retry_after_in_seconds_any_case() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": "-3"}) == 0.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert retry_after({}) is None


def test_the_loop_stops_when_the_outcome_is_final() -> None:
    fake = FakeClock()
    outcomes = iter(["busy", "busy", "done"])
    outcome, tries = retrying(
        lambda _timeout: next(outcomes),
        lambda out, tries: None if out == "done" else API_RETRY.delay(tries - 1),
        policy=API_RETRY,
        clock=fake.clock(),
    )
    assert (outcome, tries, fake.slept) == ("done", 3, [1.0, 2.0])


def test_the_loop_gives_up_after_its_attempts() -> None:
    fake = FakeClock()
    outcome, tries = retrying(
        lambda _timeout: "busy",
        lambda _o, _t: 0.5,
        policy=RetryPolicy(attempts=4),
        clock=fake.clock(),
    )
    assert (outcome, tries, fake.slept) == ("busy", 4, [0.5, 0.5, 0.5])


def test_a_wait_past_the_budget_ends_the_loop_and_tries_get_what_is_left() -> None:
    fake = FakeClock()
    timeouts: list[float] = []
    policy = RetryPolicy(attempts=5, budget=30.0, attempt_timeout=15.0, min_attempt=1.0)

    def attempt(timeout: float) -> str:
        timeouts.append(timeout)
        return "busy"

    _, tries = retrying(attempt, lambda _o, _t: 20.0, policy=policy, clock=fake.clock())
    assert tries == 2
    assert fake.slept == [20.0]
    assert timeouts == [15.0, 10.0]


def test_without_a_budget_a_try_gets_its_timeout() -> None:
    timeouts: list[float] = []
    retrying(
        timeouts.append,
        lambda _o, _t: None,
        policy=RetryPolicy(),
        clock=FakeClock().clock(),
    )
    assert timeouts == [math.inf]
