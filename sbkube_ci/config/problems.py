"""Config problems: one line each, ``FILE:LINE:COL: path: message``.

pydantic's errors are turned into messages a DevOps engineer can act on. Its error locations
mix data keys with union tags (the app ``type``, or a shape tag for unions told apart by the
YAML value's shape); ``_data_path`` walks the raw data alongside the location to keep only the
real keys. Messages never contain the offending value: it may be a credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sbkube_ci._yaml import Document, Location, PathKey
from sbkube_ci.config.suggest import closest
from sbkube_ci.config.types import TYPE_CHOICE

Severity = Literal["error", "warning"]

_MUST_BE = {
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "string_type": "must be a string",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
}


_KINDS: tuple[tuple[Any, str], ...] = (
    (bool, "true/false"),  # before int: bool is an int
    (int | float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "a mapping"),
)


def dotted(path: PathKey) -> str:
    """``('apps', 'web', 'depends_on', 0)`` as ``apps.web.depends_on[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    location: Location
    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        path = f"{self.path}: " if self.path else ""  # no path: the file itself is unreadable
        return f"{self.location}: {prefix}{path}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
        }


def problem_at(
    doc: Document, path: PathKey, message: str, *, key: bool = False, severity: Severity = "error"
) -> Problem:
    """A problem at ``path`` (at its key when ``key``; else at its value)."""
    return Problem(doc.locate(path, key=key), dotted(path), message, severity)


def kind_of(value: Any) -> str:
    """What a YAML value is, in words, without showing the value."""
    if value is None:
        return "an empty value"
    for kind, words in _KINDS:
        if isinstance(value, kind):
            return words
    return f"a {type(value).__name__}"


def from_validation_error(
    doc: Document, exc: ValidationError, *, prefix: PathKey, raw: Any, allowed: dict[int, list[str]]
) -> list[Problem]:
    """Turn pydantic's errors into problems located in ``doc`` (paths under ``prefix``)."""
    problems: list[Problem] = []
    for error in exc.errors(include_input=False, include_url=False):
        relative = _data_path(raw, tuple(error["loc"]), missing=error["type"] == "missing")
        problem = _problem(
            doc, prefix=prefix, relative=relative, error=error, raw=raw, allowed=allowed
        )
        if problem not in problems:
            problems.append(problem)
    return problems


def _data_path(raw: Any, loc: tuple[str | int, ...], *, missing: bool) -> PathKey:
    """pydantic's ``loc`` without the union tags it inserts.

    pydantic only descends into values that exist, so a part that is not a key of the mapping
    (or an index of the list) at that point is a union tag (``<helm>``, ``<mapping>``: see
    ``types.type_tag`` and ``types.SHAPE_TAGS``), except the last part of a "missing" error,
    which names the absent key.
    """
    path: list[str | int] = []
    node = raw
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and (part in node or (last and missing)):
            path.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if 0 <= part < len(node) else None
        # anything else is a tag: skip it and stay on the same value
    return tuple(path)


def walk(raw: Any, path: PathKey) -> Any:
    """The raw value at ``path`` (None when absent)."""
    node = raw
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _problem(
    doc: Document,
    *,
    prefix: PathKey,
    relative: PathKey,
    error: ErrorDetails,
    raw: Any,
    allowed: dict[int, list[str]],
) -> Problem:
    kind = error["type"]
    path = (*prefix, *relative)
    value = walk(raw, relative)
    if kind == "extra_forbidden":
        known = allowed.get(id(walk(raw, relative[:-1])), [])
        return problem_at(doc, path, _unknown_key(str(relative[-1]), known), key=True)
    if kind == "missing":
        return _missing(doc, path)
    if kind == TYPE_CHOICE:
        return _type_choice(doc, path, value, error["msg"])
    return problem_at(doc, path, _message(kind, error, value))


def _unknown_key(key: str, known: list[str]) -> str:
    if f"{key}_env" in known:
        return (
            f"unknown key; credentials are never written in the file: store the value as a "
            f"CI secret and write {key}_env: VARIABLE_NAME"
        )
    if not known:
        return "unknown key"
    suggestion = closest(key, known)
    guess = f"did you mean {suggestion!r}? " if suggestion else ""
    return f"unknown key; {guess}allowed keys: {', '.join(known)}"


def _missing(doc: Document, path: PathKey) -> Problem:
    parent = path[:-1]
    where = doc.keys.get(parent) or doc.locate(parent)
    if path == ("apiVersion",):
        return Problem(where, "apiVersion", "required key is missing; add apiVersion: sbkube/v1")
    under = f"under {dotted(parent)}" if parent else "at the top level"
    return Problem(where, dotted(path), f"required key is missing; add it {under}")


def _type_choice(doc: Document, path: PathKey, value: Any, choices: str) -> Problem:
    if not isinstance(value, dict):
        return problem_at(
            doc, path, f"must be a mapping with a type ({choices}), found {kind_of(value)}"
        )
    if "type" not in value:
        where = doc.keys.get(path) or doc.locate(path)
        return Problem(
            where, dotted((*path, "type")), f"required key is missing; use one of: {choices}"
        )
    tag = value["type"]
    shown = repr(tag) if isinstance(tag, str) else kind_of(tag)
    return problem_at(doc, (*path, "type"), f"unknown type {shown}; use one of: {choices}")


def _message(kind: str, error: ErrorDetails, value: Any) -> str:
    ctx = error.get("ctx") or {}
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return (
            'must be a string; quote the value (for example "1.20") so YAML does not read a number'
        )
    if kind in _MUST_BE:
        return f"{_MUST_BE[kind]}, found {kind_of(value)}"
    if kind == "shape_mismatch":
        return f"{error['msg']}, found {kind_of(value)}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', '')}"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must have at least {count} item{'s' if count != 1 else ''}"
    return _plain(error["msg"])


def _plain(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be"):
        message = "must be" + message[len("Input should be") :]
    elif message.startswith(("String should", "List should", "Value should")):
        message = "must" + message.split(" should", 1)[1]
    return message[:1].lower() + message[1:] if message else message
