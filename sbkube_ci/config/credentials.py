"""Credentials written into the file: refused (or warned about), never echoed.

Credential fields are ``${VAR}`` references (see ``types.SecretRef``); this module catches the
other places a secret slips in: a password inside a URL, an ``Authorization`` header, a
``set_values`` key that names a password. Messages name the field, never the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from sbkube_ci._yaml import Document, PathKey
from sbkube_ci.config.apps import App, HelmApp, HttpApp
from sbkube_ci.config.problems import Problem, problem_at
from sbkube_ci.errors import ConfigError, SbkubeError

_SECRET_NAME = re.compile(
    r"(password|passwd|secret|token|apikey|api_key|api-key|private_?key|credentials?)", re.I
)
_SECRET_HEADER = re.compile(r"^(authorization|proxy-authorization|cookie)$|token|key|secret", re.I)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<password>[^/\s@]+)@", re.I)
# https://<token>@host: git and helm send the user part as the credential (GitHub, GitLab)
_URL_USER = re.compile(r"[a-z][a-z0-9+.-]*://(?P<user>[^/\s:@]+)@", re.I)
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EXPANSION = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WHOLE_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_SKIP = ("set_values",)  # checked with a warning instead (see secret_looking_values)


def expand_env(text: str, where: str, error: type[SbkubeError] = ConfigError) -> str:
    """``text`` with every ``${VAR}`` replaced from the environment (``Bearer ${TOKEN}``).

    ``$${VAR}`` stays the literal text ``${VAR}``. A variable that is unset or empty is an
    ``error`` naming ``where`` and the variable, so a literal ``${VAR}`` is never deployed.
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "${"  # the $${ escape
        found = os.environ.get(name)
        if not found:
            state = "is not set" if found is None else "is empty"
            raise error(
                f"{where}: environment variable {name} {state}; add it as a CI secret and "
                "expose it to this job (write $${...} for a literal ${...})"
            )
        return found

    return _EXPANSION.sub(value, text)


def looks_like_token(user: str) -> bool:
    """Whether the user part of a URL is a token rather than a name (git, deploy, ci-bot)."""
    if _WHOLE_REF.match(user):
        return False
    if user.lower().startswith(_TOKEN_PREFIXES):
        return True
    has_letters_and_digits = any(c.isdigit() for c in user) and any(c.isalpha() for c in user)
    return len(user) >= 20 and has_letters_and_digits


def is_credential_header(name: str) -> bool:
    """Whether a header carries a credential (Authorization, Cookie, X-Api-Key, *token*...)."""
    return bool(_SECRET_HEADER.search(name))


def literal_credential_problems(doc: Document, apps: dict[str, App]) -> Iterator[Problem]:
    """Errors for passwords in URLs and for credential headers without a ``${VAR}``."""
    for path, text in _strings(doc.data, ()):
        match = _URL_PASSWORD.search(text)
        if match and not _WHOLE_REF.match(match["password"]):
            yield problem_at(
                doc,
                path,
                "the URL contains a password; remove it and give the credential in a "
                "${VARIABLE_NAME} field instead (username/password, token_env), the value kept "
                "as a CI secret",
            )
        elif (user := _URL_USER.search(text)) and looks_like_token(user["user"]):
            yield problem_at(
                doc,
                path,
                "the URL contains a token as its user name; remove it and give the credential "
                "in a ${VARIABLE_NAME} field instead (username/password, token_env), the value "
                "kept as a CI secret",
            )
    for name, app in apps.items():
        if isinstance(app, HttpApp):
            for header, value in app.headers.items():
                if is_credential_header(header) and not _ENV_REF.search(value):
                    yield problem_at(
                        doc,
                        ("apps", name, "headers", header),
                        "credentials are never written in the file: keep the value as a CI "
                        "secret and reference it, for example Bearer ${API_TOKEN}",
                    )
        if isinstance(app, HelmApp):
            yield from secret_looking_values(doc, ("apps", name, "set_values"), app.set_values)


def secret_looking_values(
    doc: Document, path: PathKey, set_values: dict[str, Any] | list[str]
) -> Iterator[Problem]:
    """Warnings for plain-text values under keys that name a secret (or URLs with one)."""
    for sub, key, value in _set_value_items(set_values):
        if not isinstance(value, str) or not value or _ENV_REF.search(value):
            continue
        if _SECRET_NAME.search(key) or _URL_PASSWORD.search(value):
            yield problem_at(
                doc,
                (*path, *sub),
                "this looks like a secret written in plain text; keep the value in a CI "
                "secret or an encrypted values file",
                severity="warning",
            )


def _strings(node: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    stack: list[tuple[PathKey, Any]] = [(path, node)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, str):
            yield here, value
        elif isinstance(value, dict):
            stack += [((*here, k), v) for k, v in value.items() if k not in _SKIP]
        elif isinstance(value, list):
            stack += [((*here, i), v) for i, v in enumerate(value)]


def _set_value_items(set_values: dict[str, Any] | list[str]) -> Iterator[tuple[PathKey, str, Any]]:
    """(path below set_values, dotted key, value) of every leaf value."""
    if isinstance(set_values, list):
        for i, item in enumerate(set_values):
            key, _, value = str(item).partition("=")
            yield (i,), key, value
        return
    stack: list[tuple[PathKey, dict[str, Any]]] = [((), set_values)]
    while stack:
        prefix, mapping = stack.pop()
        for key, value in mapping.items():
            sub = (*prefix, key)
            if isinstance(value, dict):
                stack.append((sub, value))
            else:
                yield sub, ".".join(str(p) for p in sub), value
