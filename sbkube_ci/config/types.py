"""Field types shared by the config models: names, durations, credentials and shape unions."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)

from sbkube_ci.errors import ConfigError

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_PATTERN = r"^(\d+|(\d+h)?(\d+m)?(\d+s)?)$"

# Tags of the unions that are told apart by the shape of the YAML value. pydantic puts the tag
# in an error's location; problems.py drops it again (see SHAPE_TAGS there).
TEXT = "<text>"
MAPPING = "<mapping>"
LIST = "<list>"
SHAPE_TAGS = frozenset({TEXT, MAPPING, LIST})

CREDENTIAL_ADVICE = (
    "credentials are never written in the file: store the value as a CI secret "
    "(GitHub: repository secret + env:, GitLab: masked CI/CD variable), expose it as an "
    "environment variable and write ${VARIABLE_NAME} here"
)


def shape_of(value: Any) -> str | None:
    """The shape tag of a YAML value: text, mapping or list (None for anything else)."""
    if isinstance(value, str):
        return TEXT
    if isinstance(value, dict | BaseModel):
        return MAPPING
    if isinstance(value, list):
        return LIST
    return None


def by_shape(expected: str) -> Discriminator:
    """Pick a union member by the value's shape; anything else fails with "must be <expected>"."""
    return Discriminator(
        shape_of, custom_error_type="shape_mismatch", custom_error_message=f"must be {expected}"
    )


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
    # The message must never contain the value: it is probably the secret itself.
    if not _ENV_REF.match(value):
        raise ValueError(CREDENTIAL_ADVICE)
    return value


def _strip_env_ref(value: object) -> object:
    # `webhook_url_env: ${SLACK_WEBHOOK_URL}` means the same as the bare name.
    if isinstance(value, str) and (match := _ENV_REF.match(value.strip())):
        return match.group(1)
    return value


def _check_env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(
            "must be the name of an environment variable (for example SLACK_WEBHOOK_URL) that "
            "holds the value, never the value itself; store the value as a CI secret"
        )
    return value


def duration_seconds(text: str, *, units: str = "hms") -> float | None:
    """``text`` in seconds: plain seconds, or parts in the order w, d, h, m, s (``1h30m``).

    ``units`` are the parts allowed (sbkube.yaml takes h, m and s); None when ``text`` is not
    such a duration.
    """
    text = text.strip()
    if text.isdigit():
        return float(text)
    order = [unit for unit in _UNIT_SECONDS if unit in units]
    match = re.fullmatch("".join(rf"(?:(\d+){unit})?" for unit in order), text)
    if match is None or not any(match.groups()):
        return None
    parts = zip(match.groups(), order, strict=True)
    return float(sum(int(count or 0) * _UNIT_SECONDS[unit] for count, unit in parts))


def _parse_duration(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be seconds (300) or a duration such as 90s, 5m, 1h30m")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        seconds = duration_seconds(value)
        if seconds is None:
            raise ValueError(f"{value!r} is not a duration; write seconds (300) or 90s, 5m, 1h30m")
        return seconds
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
    BeforeValidator(_strip_env_ref),
    AfterValidator(_check_env_name),
    Field(
        description="The name of an environment variable holding the value.",
        json_schema_extra={"pattern": r"^([A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\})$"},
    ),
]
Duration = Annotated[
    float,
    BeforeValidator(_parse_duration),
    Field(ge=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _DURATION_PATTERN},
            ],
            "description": "Seconds, or a duration such as 90s, 5m, 1h30m.",
        }
    ),
]


def _check_pair(item: str) -> str:
    # The item is not echoed: it may be a secret written without its key.
    if "=" not in item:
        raise ValueError("must be key=value (or write set_values as a mapping)")
    return item


KeyValue = Annotated[str, AfterValidator(_check_pair), Field(json_schema_extra={"pattern": "="})]
SetValues = Annotated[
    Annotated[dict[str, Any], Tag(MAPPING)] | Annotated[list[KeyValue], Tag(LIST)],
    by_shape("a mapping of value paths to values (or a list of key=value strings)"),
]
# One entry of a `values:` list: a values file, or (as SBKube allows) the values inline.
ValuesEntry = Annotated[
    Annotated[str, Tag(TEXT)] | Annotated[dict[str, Any], Tag(MAPPING)],
    by_shape("a values file path or a mapping of values"),
]


def resolve_secret(ref: str | None, where: str) -> str | None:
    """The value of a ``${VAR}`` credential reference, read from the environment now.

    ``where`` names the field (``settings.helm_repos.private.password``) for the error.
    """
    if ref is None:
        return None
    match = _ENV_REF.match(ref)
    if match is None:
        # Never echo ``ref``: when it is not a reference it is most likely the secret itself.
        raise ConfigError(f"{where}: {CREDENTIAL_ADVICE}")
    name = match.group(1)
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(
            f"{where}: environment variable {name} is not set; add it as a CI secret and "
            "expose it to this job (GitHub: env: from secrets, GitLab: masked CI/CD variable)"
        )
    if not value:
        raise ConfigError(
            f"{where}: environment variable {name} is empty; check that the CI secret exists "
            "and is available to this branch or environment"
        )
    return value


def env_ref_name(ref: str) -> str:
    """The variable name inside ``${NAME}`` (the text itself when it is a bare name)."""
    match = _ENV_REF.match(ref)
    return match.group(1) if match else ref


def _type_tag(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return f"<{kind}>" if isinstance(kind, str) else None


def type_tag(kind: str) -> Tag:
    """The union tag of the member whose ``type`` is ``kind``.

    Written ``<kind>`` so that it never equals a field name in an error location (the command
    task's type is ``command`` and so is one of its fields).
    """
    return Tag(f"<{kind}>")


TYPE_CHOICE = "type_choice"


def by_type(choices: tuple[str, ...]) -> Discriminator:
    """Pick a union member by the ``type`` key; an absent or unknown type lists ``choices``."""
    return Discriminator(
        _type_tag, custom_error_type=TYPE_CHOICE, custom_error_message=", ".join(choices)
    )
