"""URLs in messages: credentials in a URL (``https://user:token@host``) are never shown.

CI checkouts put tokens there (GitLab's origin is ``https://gitlab-ci-token:<token>@...``),
so every URL that reaches a message or a description goes through ``safe_url``.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def safe_url(url: str) -> str:
    """``url`` without user:password, fit for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The password in ``url``, as written, for redacting a tool's output; [] when none."""
    password = urlsplit(url).password
    return [password] if password else []


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``: credentials are sent only where this is the same."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def same_host(url: str, other: str) -> bool:
    """Whether ``url`` is served by the host of ``other`` (scheme, host and port alike)."""
    return origin(url) == origin(other)
