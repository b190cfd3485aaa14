"""How sbkube-ci tries again: one policy (attempts, exponential delay, cap, jitter, budget) and
one loop, for chat deliveries, the GitHub/GitLab APIs, state writes that lost a race and
polls of the cluster.

Each caller keeps its own numbers (a preset beside it); time is injectable (``Clock``) so tests
exercise the waits without sleeping.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# 2**_MAX_DOUBLINGS times any base used here is past every cap; it keeps the float finite.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try, how long to wait between tries, how long it may all take."""

    attempts: int = 3
    base: float = 1.0  # the first wait; each next one doubles
    cap: float = math.inf  # no single wait is longer
    jitter: float = 0.0  # a wait is shortened at random by up to this fraction (0.5: 50-100%)
    budget: float = math.inf  # seconds all tries and waits may take together
    attempt_timeout: float = math.inf  # seconds one try may take
    min_attempt: float = 0.0  # a try gets at least this; a wait leaving less ends the retries

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed tries (0-based: the first wait is ``base``)."""
        delay = min(self.cap, self.base * 2 ** min(failures, _MAX_DOUBLINGS))
        if self.jitter:
            # Jitter de-synchronises racing writers; it is not used for anything secret.
            delay *= random.uniform(1.0 - self.jitter, 1.0)  # noqa: S311
        return float(delay)

    def pause(self, failures: int, sleep: Callable[[float], None] = time.sleep) -> None:
        sleep(self.delay(failures))


@dataclass
class Clock:
    """Time as a retry loop sees it; tests pass one that records instead of sleeping."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; None when absent or a date."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


#: Told of each wait before something is tried again: (what, attempt, seconds). Progress
#: reporters' ``retrying`` is one, so a wait is shown instead of passing in silence.
RetryReport = Callable[[str, int, float], None]


def print_retry(what: str, attempt: int, seconds: float) -> None:
    """A ``RetryReport`` for commands without a progress display: a line on stderr."""
    print(f"{what}: retry {attempt} in {seconds:.0f}s", file=sys.stderr)


def retrying(
    attempt: Callable[[float], T],
    wait: Callable[[T, int], float | None],
    *,
    policy: RetryPolicy,
    clock: Clock,
    before_wait: Callable[[T, int, float], None] | None = None,
) -> tuple[T, int]:
    """Call ``attempt(timeout)`` until ``wait(outcome, tries)`` says None, the attempts are
    used up or the next wait would overrun the budget: the last outcome and the number of tries.

    ``wait`` judges an outcome: None when it is final (a success, or a failure that trying
    again cannot cure), else the seconds to wait (the server's Retry-After or
    ``policy.delay(tries - 1)``). ``before_wait(outcome, tries, seconds)`` hears of each wait
    that is taken.
    """
    deadline = clock.monotonic() + policy.budget
    tries = 0
    while True:
        tries += 1
        remaining = deadline - clock.monotonic()
        outcome = attempt(max(policy.min_attempt, min(policy.attempt_timeout, remaining)))
        seconds = wait(outcome, tries)
        if seconds is None or tries >= policy.attempts:
            return outcome, tries
        if clock.monotonic() + seconds + policy.min_attempt > deadline:
            return outcome, tries
        if before_wait is not None:
            before_wait(outcome, tries, seconds)
        clock.sleep(seconds)
