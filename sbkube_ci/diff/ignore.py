"""``diff.ignore`` rules: fields removed from both sides of a diff before comparing.

A path is dotted (``spec.template.metadata.annotations.checksum/config``); a segment holding a
dot is quoted (``metadata.labels."helm.sh/chart"`` or ``metadata.labels["helm.sh/chart"]``);
``[*]`` means every list item and ``[2]`` one item.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sbkube_ci.config.sections import IgnoreRule
from sbkube_ci.errors import ConfigError
from sbkube_ci.render.digest import canonical_json, sha256_text

ALL_ITEMS = "[*]"
Segment = str | int

_TOKEN = re.compile(
    r"""
      \[\s*(?P<bq>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]   # ["a.b"] or ['a.b']
    | \[(?P<index>\*|\d+)\]                                   # [*] or [3]
    | (?P<q>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')              # "a.b" as a segment
    | (?P<plain>[^.\[\]"']+)                                  # anything else up to . or [
    """,
    re.VERBOSE,
)


def parse_path(path: str) -> list[Segment]:
    """Segments of an ignore path; a malformed path raises ``ValueError`` saying where."""
    segments: list[Segment] = []
    pos = 0
    expect_segment = True
    while pos < len(path):
        if path[pos] == "." and not expect_segment:
            pos += 1
            expect_segment = True
            continue
        match = _TOKEN.match(path, pos)
        if match is None or ((match.group("plain") or match.group("q")) and not expect_segment):
            raise ValueError(f"cannot parse {path!r} at character {pos + 1}")
        segments.append(_segment(match))
        pos = match.end()
        expect_segment = False
    if expect_segment:
        raise ValueError(f"{path!r} is empty or ends with '.'")
    return segments


def _segment(match: re.Match[str]) -> Segment:
    quoted = match.group("bq") or match.group("q")
    if quoted:
        return re.sub(r"\\(.)", r"\1", quoted[1:-1])
    index = match.group("index")
    if index is not None:
        return ALL_ITEMS if index == "*" else int(index)
    return match.group("plain")


@dataclass(frozen=True)
class CompiledRule:
    kind: str | None
    api_version: str | None
    name: str | None
    path: tuple[Segment, ...]

    def matches(self, obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata")
        name = str(meta.get("name", "")) if isinstance(meta, dict) else ""
        return (
            _glob(self.kind, str(obj.get("kind", "")))
            and _glob(self.api_version, str(obj.get("apiVersion", "")))
            and _glob(self.name, name)
        )


def _glob(pattern: str | None, value: str) -> bool:
    return pattern is None or fnmatch.fnmatchcase(value, pattern)


def compile_rules(rules: Iterable[IgnoreRule]) -> tuple[CompiledRule, ...]:
    """Parse every rule once; a bad path is a ``ConfigError`` naming ``diff.ignore[i].path``."""
    compiled = []
    for index, rule in enumerate(rules):
        try:
            path = tuple(parse_path(rule.path))
        except ValueError as exc:
            raise ConfigError(
                f"sbkube.yaml: diff.ignore[{index}].path: {exc}; write a dotted path such as "
                'spec.template.metadata.annotations.checksum/config or metadata.labels["a.b/c"]'
            ) from exc
        compiled.append(CompiledRule(rule.kind, rule.api_version, rule.name, path))
    return tuple(compiled)


class FieldRef(Protocol):
    """One field of one object: a random field the checks found, or the plan's record of it."""

    @property
    def api_version(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> Sequence[Segment]: ...


def field_rules(fields: Iterable[FieldRef]) -> list[CompiledRule]:
    """Rules that remove exactly these fields."""
    return [CompiledRule(f.kind, f.api_version, f.name, tuple(f.path)) for f in fields]


def digest_without(objects: Iterable[dict[str, Any]], rules: Sequence[CompiledRule]) -> str:
    """sha256 of ``objects`` with the fields of ``rules`` left out: of a chart that renders
    some fields at random, what two renders of the same input have in common."""
    stripped = copy.deepcopy(list(objects))
    for obj in stripped:
        apply_rules(obj, rules)
    return sha256_text(canonical_json(stripped))


def apply_rules(obj: dict[str, Any], rules: Sequence[CompiledRule]) -> None:
    """Remove the fields of every matching rule from ``obj`` in place; missing ones are fine."""
    for rule in rules:
        if rule.matches(obj):
            _remove(obj, rule.path)


def _remove(node: Any, path: Sequence[Segment]) -> None:
    head, rest = path[0], path[1:]
    if head == ALL_ITEMS:
        children = node if isinstance(node, list) else []
    elif isinstance(head, int):
        children = [node[head]] if isinstance(node, list) and 0 <= head < len(node) else []
    elif isinstance(node, dict) and head in node:
        if not rest:
            del node[head]
            return
        children = [node[head]]
    else:
        children = []
    if not rest:
        if isinstance(node, list) and children:
            node[:] = [] if head == ALL_ITEMS else [x for i, x in enumerate(node) if i != head]
        return
    for child in children:
        _remove(child, rest)
