"""Config problems: one line each, ``FILE:LINE:COL: path: message``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sbkube_ci._yaml import Document, Location, PathKey

Severity = Literal["error", "warning"]


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
        return f"{self.location}: {prefix}{self.path}: {self.message}"

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
    return Problem(doc.locate(path, key=key), dotted(path), message, severity)


def from_validation_error(
    doc: Document, exc: ValidationError, *, prefix: PathKey, raw: Any, allowed: dict[int, list[str]]
) -> list[Problem]:
    """Turn pydantic's errors into problems located in ``doc`` (paths under ``prefix``)."""
    problems = []
    for error in exc.errors(include_input=False):
        relative = _data_path(raw, tuple(error["loc"]))
        problems.append(
            _problem(doc, prefix=prefix, relative=relative, error=error, raw=raw, allowed=allowed)
        )
    return problems


def _data_path(raw: Any, loc: tuple[str | int, ...]) -> PathKey:
    """Pydantic's ``loc`` without the union tags it inserts (``apps.web.helm.chart``)."""
    path: list[str | int] = []
    node = raw
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue  # discriminated-union tag, not a key of the data
        if isinstance(node, list) and isinstance(part, str):
            continue  # e.g. "list[str]" or "str" for a union of list and dict
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            union_member = part in {"str", "dict[str,any]", "list[str]"}
            if union_member or "[" in part:
                continue
        path.append(part)
        node = node.get(part) if isinstance(node, dict) else _index(node, part)
    return tuple(path)


def _index(node: Any, part: str | int) -> Any:
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _walk(raw: Any, path: PathKey) -> Any:
    node = raw
    for part in path:
        node = node.get(part) if isinstance(node, dict) else _index(node, part)
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
    ctx = error.get("ctx") or {}
    message = error["msg"]
    path = (*prefix, *relative)
    if kind == "extra_forbidden":
        parent = _walk(raw, relative[:-1])
        known = allowed.get(id(parent), [])
        hint = f"; allowed keys: {', '.join(known)}" if known else ""
        return problem_at(doc, path, f"unknown key{hint}", key=True)
    if kind == "missing":
        return Problem(doc.locate(path[:-1]), dotted(path), f"required key {path[-1]!r} is missing")
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        tag = ctx.get("tag")
        return problem_at(doc, (*path, "type"), f"unknown type {tag!r}; use one of: {expected}")
    if kind == "union_tag_not_found":
        return problem_at(doc, path, "required key 'type' is missing")
    if kind == "string_type" and isinstance(_walk(raw, relative), int | float):
        message = 'must be a string; quote the value ("1.20") so YAML does not read a number'
    elif kind == "literal_error":
        message = f"must be {ctx.get('expected', '')}"
    else:
        message = _plain(message)
    return problem_at(doc, path, message)


def _plain(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be"):
        message = "must be" + message[len("Input should be") :]
    elif message.startswith("Input"):
        message = "value" + message[len("Input") :]
    return message[:1].lower() + message[1:] if message else message
