"""A small validator for the OpenAPI subset Kubernetes schemas use, collecting every problem.

Kubernetes' published schemas (and CRDs' ``openAPIV3Schema``) use few keywords: ``type``,
``properties``, ``additionalProperties``, ``required``, ``items``, ``enum``, ``$ref``,
``oneOf``/``anyOf``/``allOf`` and the ``x-kubernetes-*`` extensions. Walking the object with
its schema costs time in the object's size, not the schema's, and names each problem by its
field path (``spec.template.spec.containers[0].ports[0].containerPort``), which is what a
reviewer needs; a general JSON Schema library stops at the first error or reports schema paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Schema = Mapping[str, Any]
Resolver = Callable[[str], Schema]

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_MAX_DEPTH = 64


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


@dataclass
class OpenApiValidator:
    """Validates values against schemas whose ``$ref`` values ``resolve`` turns into schemas.

    ``prune_unknown`` is the CRD behaviour: an object schema with ``properties`` and no
    ``additionalProperties`` knows all its fields unless ``x-kubernetes-preserve-unknown-fields``.
    Kubernetes' own strict schemas say ``additionalProperties: false`` instead.
    """

    resolve: Resolver
    prune_unknown: bool = False
    _patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def problems(self, value: Any, schema: Schema, path: str = "") -> list[Problem]:
        """Every problem of ``value``, each with the field path where it is."""
        out: list[Problem] = []
        self._check(value, schema, path, out, 0)
        return out

    def _check(self, value: Any, schema: Schema, path: str, out: list[Problem], depth: int) -> None:
        ref = schema.get("$ref")
        if ref is not None:
            schema = self.resolve(ref)
        if value is None or depth > _MAX_DEPTH:
            return  # the API server treats an explicit null as an absent field
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema and not self._any_fits(value, schema[combinator], depth):
                out.append(Problem(path, f"{_show(value)} matches none of the allowed forms"))
                return
        for part in schema.get("allOf", ()):
            self._check(value, part, path, out, depth + 1)
        if not self._type_fits(value, schema, path, out):
            return
        enum = schema.get("enum")
        if enum is not None and value not in enum:
            allowed = ", ".join(str(e) for e in enum[:8]) + (", ..." if len(enum) > 8 else "")
            out.append(Problem(path, f"{_show(value)} is not one of: {allowed}"))
        if isinstance(value, dict):
            self._check_object(value, schema, path, out, depth)
        elif isinstance(value, list):
            self._check_array(value, schema, path, out, depth)
        elif isinstance(value, str):
            self._check_string(value, schema, path, out)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            _check_number(value, schema, path, out)

    def _any_fits(self, value: Any, options: list[Schema], depth: int) -> bool:
        for option in options:
            trial: list[Problem] = []
            self._check(value, option, "", trial, depth + 1)
            if not trial:
                return True
        return False

    def _type_fits(self, value: Any, schema: Schema, path: str, out: list[Problem]) -> bool:
        expected = schema.get("type")
        if expected is None:
            return True
        names = [expected] if isinstance(expected, str) else [t for t in expected if t != "null"]
        if schema.get("x-kubernetes-int-or-string"):
            names = ["integer", "string"]
        for name in names:
            kinds = _PY_TYPES.get(name)
            if kinds is None or (isinstance(value, kinds) and not _bool_as_number(value, name)):
                return True
        out.append(Problem(path, f"expected {' or '.join(names)}, got {_show(value)}"))
        return False

    def _check_object(
        self, value: dict[str, Any], schema: Schema, path: str, out: list[Problem], depth: int
    ) -> None:
        properties: Mapping[str, Schema] = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for name in schema.get("required", ()):
            if value.get(name) is None:
                out.append(Problem(_join(path, name), "required field is missing"))
        closed = additional is False or (
            self.prune_unknown
            and properties
            and additional is None
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        )
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                self._check(item, sub, _join(path, key), out, depth + 1)
            elif isinstance(additional, Mapping):
                self._check(item, additional, _join(path, key), out, depth + 1)
            elif closed:
                out.append(Problem(_join(path, key), "unknown field"))

    def _check_array(
        self, value: list[Any], schema: Schema, path: str, out: list[Problem], depth: int
    ) -> None:
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                self._check(item, items, f"{path}[{index}]", out, depth + 1)
        _check_bounds(len(value), schema, ("minItems", "maxItems", "items"), path, out)

    def _check_string(self, value: str, schema: Schema, path: str, out: list[Problem]) -> None:
        pattern = schema.get("pattern")
        if pattern is not None:
            compiled = self._patterns.get(pattern)
            if compiled is None:
                try:
                    compiled = self._patterns.setdefault(pattern, re.compile(pattern))
                except re.error:
                    return  # an ECMA-only construct: the API server checks it, we cannot
            if not compiled.search(value):
                out.append(Problem(path, f"{_show(value)} does not match {pattern}"))
        _check_bounds(len(value), schema, ("minLength", "maxLength", "characters"), path, out)


def _check_number(value: float, schema: Schema, path: str, out: list[Problem]) -> None:
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if minimum is not None and value < minimum:
        out.append(Problem(path, f"{value} is less than the minimum {minimum}"))
    if maximum is not None and value > maximum:
        out.append(Problem(path, f"{value} is more than the maximum {maximum}"))


def _check_bounds(
    count: int, schema: Schema, keys: tuple[str, str, str], path: str, out: list[Problem]
) -> None:
    low, high, unit = keys
    least, most = schema.get(low), schema.get(high)
    if least is not None and count < least:
        out.append(Problem(path, f"has {count} {unit}, at least {least} needed"))
    if most is not None and count > most:
        out.append(Problem(path, f"has {count} {unit}, at most {most} allowed"))


def _bool_as_number(value: Any, type_name: str) -> bool:
    return isinstance(value, bool) and type_name in ("integer", "number")


def _join(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{text}"'
    return str(value)
