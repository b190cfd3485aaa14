"""Label selectors as the API server parses them: ``a=b,c,!d,e!=f,g in (x,y),h notin (z)``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from tests.fakekube.status import bad_request

Requirement = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$")
_EQ_RE = re.compile(r"^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$")
_KEY_RE = re.compile(r"^(!?)([\w./-]+)$")


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def _requirement(term: str) -> Requirement:
    if match := _SET_RE.match(term):
        key, op, raw = match.groups()
        values = {v.strip() for v in raw.split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ_RE.match(term):
        key, op, value = match.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _KEY_RE.match(term):
        negate, key = match.groups()
        return lambda labels: (key in labels) != bool(negate)
    raise bad_request(f'unable to parse requirement: found "{term}", expected a valid selector')


def parse(selector: str) -> Requirement:
    """A predicate on labels; raises the server's 400 for a selector it cannot parse."""
    requirements = [_requirement(term) for term in _split(selector)]
    return lambda labels: all(req(labels) for req in requirements)
