"""A small REST client for the GitHub and GitLab APIs: bounded retries, named failures.

Retried: 5xx answers and connection errors (exponential back-off), and rate limits — 429, or
403 with ``Retry-After`` / ``x-ratelimit-remaining: 0`` + ``x-ratelimit-reset`` / GitHub's
"secondary rate limit" text. Waits longer than ``max_wait`` fail instead of stalling the job.
Sleep and clock are injectable so tests stay fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlparse

import requests

from sbkube_ci._retry import (
    Clock,
    RetryPolicy,
    RetryReport,
    print_retry,
    retry_after,
    retrying,
)
from sbkube_ci.errors import CIError

RETRY_STATUSES = frozenset({500, 502, 503, 504})
#: 5 tries of 30 s each, waits of 1, 2, 4, 8 s (at most 30) unless the API names one
API_RETRY = RetryPolicy(attempts=5, base=1.0, cap=30.0, attempt_timeout=30.0)


class APIError(CIError):
    """The platform answered with an error status that retries did not cure."""

    def __init__(self, message: str, *, status: int, body: str) -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class ForbiddenError(APIError):
    """401/403 that is not a rate limit: the token may not do this (fork PRs, job tokens)."""


@dataclass
class RestClient:
    """JSON over HTTPS against one API base URL, with the platform's auth headers."""

    base_url: str
    headers: Mapping[str, str]
    platform: str
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    retry: RetryPolicy = API_RETRY
    max_wait: float = 120.0
    session: requests.Session = field(default_factory=requests.Session)
    #: each wait before a request is sent again goes to the job log, not into silence
    on_retry: RetryReport = print_retry

    def url(self, path: str) -> str:
        return urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/"))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json: Any = None,
        params: Any = None,
        retry_server_errors: bool = True,
    ) -> requests.Response:
        """Send one request (retrying as above) and return a 2xx response or raise APIError.

        ``retry_server_errors=False`` for requests that are not idempotent (creating a
        comment): a 5xx then raises at once and the caller checks what was stored.
        """
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        self._check_same_origin(url)

        def attempt(timeout: float) -> requests.Response | requests.RequestException:
            try:
                return self.session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=dict(self.headers),
                    timeout=timeout,
                )
            except requests.RequestException as exc:
                return exc

        def wait(
            outcome: requests.Response | requests.RequestException, tries: int
        ) -> float | None:
            if isinstance(outcome, requests.RequestException):
                return self.retry.delay(tries - 1)
            if outcome.ok:
                return None
            seconds = self._retry_wait(outcome, tries)
            return None if outcome.status_code >= 500 and not retry_server_errors else seconds

        def before_wait(
            outcome: requests.Response | requests.RequestException, tries: int, seconds: float
        ) -> None:
            why = (
                type(outcome).__name__
                if isinstance(outcome, requests.RequestException)
                else f"HTTP {outcome.status_code}"
            )
            self.on_retry(f"{self.platform} API: {why} on {method} {_path(url)}", tries, seconds)

        outcome, tries = retrying(
            attempt,
            wait,
            policy=self.retry,
            clock=Clock(monotonic=time.monotonic, sleep=self.sleep),
            before_wait=before_wait,
        )
        if isinstance(outcome, requests.RequestException):
            raise CIError(
                f"{self.platform} API: {method} {_path(url)}: {type(outcome).__name__}; "
                f"check the API URL and the network (tried {tries} times)"
            ) from outcome
        if outcome.ok:
            return outcome
        raise self._error(method, url, outcome)

    def _retry_wait(self, response: requests.Response, attempt: int) -> float | None:
        if response.status_code in RETRY_STATUSES:
            return self.retry.delay(attempt - 1)
        if response.status_code not in {403, 429}:
            return None
        headers = response.headers
        wait: float | None = None
        if (server_wait := retry_after(headers)) is not None:
            wait = server_wait
        elif headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            wait = max(0.0, float(headers["x-ratelimit-reset"]) - self.clock()) + 1
        elif response.status_code == 429 or "secondary rate limit" in response.text.lower():
            wait = 60.0  # GitHub: without headers, wait at least one minute
        if wait is None:
            return None
        if wait > self.max_wait:
            raise CIError(
                f"{self.platform} API rate limit: retry in {wait:.0f}s is longer than "
                f"{self.max_wait:.0f}s; rerun the job later"
            )
        return wait

    def _error(self, method: str, url: str, response: requests.Response) -> APIError:
        detail = _message(response)
        message = (
            f"{self.platform} API: {method} {_path(url)}: HTTP {response.status_code}: {detail}"
        )
        kind = ForbiddenError if response.status_code in {401, 403} else APIError
        return kind(message, status=response.status_code, body=response.text[:2000])

    def _check_same_origin(self, url: str) -> None:
        # Pagination links are followed as given; never send the token to another host.
        base = urlparse(self.base_url)
        target = urlparse(url)
        if (base.scheme, base.netloc) != (target.scheme, target.netloc):
            raise CIError(
                f"{self.platform} API: refusing to follow {target.scheme}://{target.netloc}, "
                f"which is not the API host {base.netloc}"
            )


def _path(url: str) -> str:
    return urlparse(url).path


def _message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text.strip().splitlines()[0][:200] if response.text.strip() else "(empty)"
    if isinstance(data, dict):
        text = str(data.get("message") or data.get("error") or data)
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            text += f" ({first.get('message', first) if isinstance(first, dict) else first})"
        return text[:300]
    return str(data)[:200]
