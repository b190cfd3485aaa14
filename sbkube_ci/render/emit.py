"""A small YAML writer for Kubernetes objects: sorted keys, block style, readable strings.

PyYAML builds a node graph and resolves every scalar in Python, which is most of the cost of
normalizing a render; objects are only maps, lists, strings, numbers, booleans and nulls, so
they are written directly here. Strings stay plain only when YAML reads them back as the same
string; multi-line strings become literal blocks (``|``), which diff line by line; anything
else is double-quoted (JSON's escapes are YAML's). Other types fall back to PyYAML.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN = re.compile(r"[A-Za-z_/][\w./@%+=:-]*(?: [\w./@%+=:-]+)*", re.ASCII)
# What YAML may hold unescaped, minus the characters it treats as line breaks.
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_WIDTH = 1 << 30
# Booleans to other YAML 1.1 readers (Go's yaml.v2) though not to PyYAML: always quote them.
_YAML11_BOOLS = frozenset({"y", "Y", "n", "N"})


class Unsupported(Exception):
    """A value this writer does not handle; the caller uses PyYAML instead."""


def dump_document(obj: dict[Any, Any]) -> str:
    """``obj`` as one YAML document (without ``---``), keys sorted."""
    try:
        lines: list[str] = []
        _mapping(obj, 0, lines)
        return "\n".join(lines) + "\n" if lines else "{}\n"
    except Unsupported:
        return yaml.dump(
            obj,
            Dumper=_Dumper,
            sort_keys=True,
            default_flow_style=False,
            allow_unicode=True,
            width=_WIDTH,
        )


def _mapping(data: dict[Any, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key in sorted(data, key=_key_order):
        value = data[key]
        head = f"{pad}{_key(key)}:"
        if isinstance(value, dict) and value:
            lines.append(head)
            _mapping(value, indent + 2, lines)
        elif isinstance(value, list) and value:
            lines.append(head)
            _sequence(value, indent, lines)  # PyYAML's indentless style
        else:
            lines += _scalar_lines(head, value, indent + 2)


def _sequence(items: list[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            start = len(lines)
            _mapping(item, indent + 2, lines)
            lines[start] = f"{pad}- {lines[start][indent + 2 :]}"
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-")
            _sequence(item, indent + 2, lines)
        else:
            lines += _scalar_lines(f"{pad}-", item, indent + 2)


def _scalar_lines(head: str, value: Any, indent: int) -> list[str]:
    """``head`` and a scalar: one line, or a literal block's header and its lines."""
    if isinstance(value, str):
        block = _literal(value, indent)
        if block is not None:
            return [f"{head} {block[0]}", *block[1]]
        return [f"{head} {_string(value)}"]
    return [f"{head} {_scalar(value)}"]


_KEYWORDS: dict[object, str] = {None: "null", True: "true", False: "false"}


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return _KEYWORDS[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        text = repr(value)
        return text if "." in text and "e" not in text else _flow(value)
    if isinstance(value, dict | list) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    raise Unsupported(type(value).__name__)


def _flow(value: Any) -> str:
    return str(yaml.dump(value, Dumper=_Dumper, width=_WIDTH)).removesuffix("\n...\n").strip()


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, bool | int) or key is None:
        return _scalar(key)
    raise Unsupported(type(key).__name__)


def _key_order(key: Any) -> tuple[bool, str]:
    return (not isinstance(key, str), str(key))


def _string(text: str) -> str:
    if (
        _PLAIN.fullmatch(text)
        and ": " not in text
        and not text.endswith(":")
        and text not in _YAML11_BOOLS
        and _resolves_to_string(text)
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _UNPRINTABLE.sub(_escape, quoted) if _UNPRINTABLE.search(quoted) else quoted


def _escape(match: re.Match[str]) -> str:
    """YAML's escape for a character it may not hold raw (JSON's \\u pairs it would split)."""
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _resolves_to_string(text: str) -> bool:
    """Whether YAML reads ``text`` as a plain scalar back as a string (not a bool, number...)."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == _STR_TAG)


def _literal(text: str, indent: int) -> tuple[str, list[str]] | None:
    """(``|`` header, indented lines) for a multi-line string a literal block keeps exactly."""
    if "\n" not in text or not text.strip() or _UNPRINTABLE.search(text):
        return None
    body = text.removesuffix("\n")
    lines = body.split("\n")
    if lines[0][:1] in (" ", "\t", "") or any(line != line.rstrip(" \t") for line in lines):
        return None
    if text.endswith("\n\n"):
        return None  # keeping several trailing newlines (|+) is easy to get wrong: quote it
    header = "|" if text.endswith("\n") else "|-"
    pad = " " * indent
    return header, [f"{pad}{line}" if line else "" for line in lines]
