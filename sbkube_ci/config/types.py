"""Field types shared by the config models: names, durations and credential references."""

from __future__ import annotations

import os
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from sbkube_ci.errors import ConfigError

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def dns_label_problem(name: str, *, max_length: int = 63) -> str | None:
    """Why ``name`` is not a valid Kubernetes name (RFC 1123 label), or None."""
    if len(name) > max_length:
        return f"{name!r} is {len(name)} characters; Kubernetes allows at most {max_length}"
    if not _DNS_LABEL.match(name):
        return (
            f"{name!r} is not a valid Kubernetes name: use lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return None


def _check_env_ref(value: str) -> str:
    if not _ENV_REF.match(value):
        raise ValueError(
            "credentials are never written in the file: store the value as a CI secret, expose "
            "it as an environment variable and write it here as ${VARIABLE_NAME}"
        )
    return value


def _check_env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(
            f"{value!r} is not an environment variable name; name the variable that holds the "
            "value (for example SLACK_WEBHOOK_URL), not the value itself"
        )
    return value


def _parse_duration(value: object) -> object:
    if isinstance(value, bool):
        return value  # let the int validator refuse it
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match and any(match.groups()):
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            return float(hours * 3600 + minutes * 60 + seconds)
        if value.strip().isdigit():
            return float(value.strip())
        raise ValueError(f"{value!r} is not a duration; write seconds (300) or 5m, 1h30m, 90s")
    return value


SecretRef = Annotated[
    str,
    AfterValidator(_check_env_ref),
    Field(
        description="A credential, always as ${ENV_VAR}; expanded from the environment when used.",
        json_schema_extra={"pattern": _ENV_REF.pattern},
    ),
]
EnvName = Annotated[
    str,
    AfterValidator(_check_env_name),
    Field(json_schema_extra={"pattern": _ENV_NAME.pattern}),
]
Duration = Annotated[
    float,
    BeforeValidator(_parse_duration),
    Field(ge=0, description="Seconds, or a duration such as 90s, 5m, 1h30m."),
]


def resolve_secret(ref: str | None, where: str) -> str | None:
    """The value of a ``${VAR}`` credential reference, read from the environment now."""
    if ref is None:
        return None
    match = _ENV_REF.match(ref)
    name = match.group(1) if match else ref
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(
            f"{where}: environment variable {name} is not set; add it as a CI secret "
            "(GitHub: secrets + env:, GitLab: masked CI/CD variable)"
        )
    return value


def env_ref_name(ref: str) -> str:
    """The variable name inside ``${NAME}``."""
    match = _ENV_REF.match(ref)
    return match.group(1) if match else ref
