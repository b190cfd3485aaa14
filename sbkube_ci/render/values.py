"""Values for one app on one cluster, merged in SBKube's precedence order.

Lowest first: chart defaults → app ``values`` files → cluster ``values`` files → app
``set_values`` → cluster ``set_values``. Maps merge deeply; lists and scalars replace; a
``null`` stays in the result so helm removes that default, as ``helm -f`` would.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from sbkube_ci._yaml import MAX_DEPTH, deeper_than, read_text
from sbkube_ci.config.credentials import expand_env
from sbkube_ci.errors import RenderError, YamlError

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INVALID = object()


def deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``overlay`` merged over ``base``: maps merge, everything else replaces.

    Neither input is changed; the result shares unchanged parts with them (values are read
    once per run and shared by many apps), so it must be treated as read-only.
    """
    result = dict(base)
    for key, value in overlay.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            result[key] = deep_merge(current, value)
        else:
            result[key] = value
    return result


def split_dotted(key: str) -> list[str]:
    r"""``a.b\.c.d`` -> ``['a', 'b.c', 'd']``: helm's escaping of dots inside a key."""
    parts: list[str] = []
    current = ""
    escaped = False
    for char in key:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if any(part == "" for part in parts):
        raise ValueError(f"{key!r} has an empty segment")
    return parts


def nest_dotted(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{'a.b.c': 1}`` -> ``{'a': {'b': {'c': 1}}}``; later keys win, maps merge."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        nested: Any = value
        for part in reversed(split_dotted(str(key))):
            nested = {part: nested}
        result = deep_merge(result, nested)
    return result


def parse_legacy_pairs(pairs: Iterable[str]) -> dict[str, Any]:
    """The legacy ``["a.b=1"]`` form, values typed as ``helm --set`` types them."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        result[key.strip()] = _scalar(raw)
    return result


def _scalar(raw: str) -> Any:
    try:
        value = yaml.load(raw, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return raw
    return value if isinstance(value, str | int | float | bool) or value is None else raw


def set_values_layer(set_values: Mapping[str, Any] | list[str], where: str) -> dict[str, Any]:
    """``set_values`` in either form as nested values, ``${VAR}`` expanded from the environment.

    A bad key, or a variable that is not set, is a ``RenderError`` naming the value.
    """
    flat = parse_legacy_pairs(set_values) if isinstance(set_values, list) else set_values
    flat = {key: _expanded(value, f"{where}.{key}") for key, value in flat.items()}
    if any(str(key).count(".") >= MAX_DEPTH for key in flat):
        raise RenderError(f"{where}: a key nests deeper than {MAX_DEPTH} levels; shorten it")
    try:
        nested = nest_dotted(flat)
    except ValueError as exc:
        raise RenderError(f"{where}: {exc}; write keys as a.b.c") from exc
    if deeper_than(nested):
        raise RenderError(f"{where}: a key nests deeper than {MAX_DEPTH} levels; shorten it")
    return nested


def _expanded(value: Any, where: str) -> Any:
    """``value`` with ``${VAR}`` expanded in every string inside it."""
    if isinstance(value, str):
        return expand_env(value, where, RenderError) if "${" in value else value
    if isinstance(value, Mapping):
        return {key: _expanded(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_expanded(item, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


class ValuesFiles:
    """Reads values files once per run: equal contents are parsed once (charts are reused).

    Shared by the worker threads; a lost race only parses a file twice.
    """

    def __init__(self) -> None:
        self._parsed: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def read(self, path: Path, display: str) -> dict[str, Any]:
        """The mapping in ``path`` (an empty file is an empty mapping); never mutate it."""
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise RenderError(f"{display}: values file not found") from exc
        key = hashlib.sha256(data).hexdigest()
        cached = self._parsed.get(key)
        if cached is not None:
            return cached
        parsed = self._parse(data, display)
        if deeper_than(parsed):
            raise RenderError(
                f"{display}: nesting is deeper than {MAX_DEPTH} levels; no chart takes values "
                "nested like that, fix the file"
            )
        with self._lock:
            self._parsed[key] = parsed
        return parsed

    @staticmethod
    def _parse(data: bytes, display: str) -> dict[str, Any]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"{display}: not UTF-8 text") from exc
        if "&" not in text:  # no anchors, so no alias bombs: the fast C reader is safe
            try:
                parsed: Any = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
            except yaml.YAMLError:
                parsed = _INVALID  # the careful reader below reports where
            if parsed is None:
                return {}
            if isinstance(parsed, dict):
                return parsed
        try:
            return read_text(text, display).data
        except YamlError as exc:
            if "file is empty" in str(exc):
                return {}
            raise RenderError(str(exc)) from exc
