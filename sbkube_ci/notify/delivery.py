"""Bounded delivery: timeouts, retries on 5xx/429/connection errors, and a total time budget.

A chat message is never worth slowing a deploy: every notifier sends through ``deliver``, which
tries at most ``attempts`` times within ``budget`` seconds, honours the server's Retry-After
when it fits in the budget, and never retries a 4xx other than 429.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sbkube_ci._retry import Clock, RetryPolicy, retrying
from sbkube_ci._retry import retry_after as retry_after_header
from sbkube_ci.errors import NotifyError

__all__ = [
    "CONNECT_TIMEOUT",
    "DELIVERY",
    "Clock",
    "DeliveryError",
    "Reply",
    "RetryPolicy",
    "deliver",
    "retry_after_header",
    "secret_masker",
]

CONNECT_TIMEOUT = 5.0
#: the documented limits: 3 tries, waits of 1 s then 2 s (or Retry-After), 15 s a try, 30 s
#: in all, and a try always gets at least one second
DELIVERY = RetryPolicy(attempts=3, base=1.0, budget=30.0, attempt_timeout=15.0, min_attempt=1.0)


class DeliveryError(NotifyError):
    """The platform refused or never answered; ``status`` is its last HTTP status, if any."""

    def __init__(self, message: str, status: int | None) -> None:
        self.status = status
        super().__init__(message)

    @property
    def refused(self) -> bool:
        """A definite no (4xx but 429): trying the same request again cannot help."""
        return self.status is not None and 400 <= self.status < 500 and self.status != 429


@dataclass(frozen=True)
class Reply:
    """One attempt's outcome: an HTTP status (None when nothing answered) and what it said."""

    status: int | None
    body: Any = None
    retry_after: float | None = None
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500

    def describe(self) -> str:
        if self.status is None:
            return self.error or "no answer"
        if 200 <= self.status < 300 and self.error:
            return self.error  # an API that says "ok": false with HTTP 200 (Slack)
        return f"HTTP {self.status}" + (f" {self.error}" if self.error else "")


def deliver(
    attempt: Callable[[float], Reply], *, what: str, policy: RetryPolicy, clock: Clock
) -> Reply:
    """Call ``attempt(timeout)`` until it succeeds or the policy gives up (``DeliveryError``)."""

    def wait(reply: Reply, tries: int) -> float | None:
        if reply.ok or not reply.retryable:
            return None
        return reply.retry_after if reply.retry_after is not None else policy.delay(tries - 1)

    reply, tries = retrying(attempt, wait, policy=policy, clock=clock)
    if reply.ok:
        return reply
    raise DeliveryError(f"{what}: {reply.describe()} after {tries} attempt(s)", reply.status)


def secret_masker(secrets: list[str], marker: str = "***") -> Callable[[str], str]:
    """A mask that replaces each secret, and the path of secret URLs, with ``marker``."""
    needles: set[str] = set()
    for secret in secrets:
        if len(secret) < 4:
            continue  # masking "ab" would shred every message and protect nothing
        needles.add(secret)
        _scheme, sep, rest = secret.partition("://")
        if sep and "/" in rest:
            path = rest[rest.index("/") :]
            if len(path) >= 8:
                needles.add(path)  # HTTP libraries quote a URL's path without its host
    ordered = sorted(needles, key=len, reverse=True)

    def mask(text: str) -> str:
        for needle in ordered:
            text = text.replace(needle, marker)
        return text

    return mask
