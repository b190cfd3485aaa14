"""Safe YAML reading that remembers where every value came from.

Config errors must point at ``FILE:LINE:COL``, so documents are composed into nodes and turned
into plain Python data here, recording the start mark of every key and value. The same pass
refuses what a hostile or broken file could do to us: files over 10 MiB, alias expansion that
explodes (billion laughs), nesting deeper than any real config, duplicate keys, non-mapping
top levels and empty files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sbkube_ci.errors import YamlError

MAX_BYTES = 10 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 200

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Document:
    """Plain data of one YAML file plus the location of every value and mapping key."""

    data: dict[str, Any]
    file: str
    values: dict[PathKey, Location] = field(default_factory=dict)
    keys: dict[PathKey, Location] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """The location of ``path``, or of its nearest ancestor that exists."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return Location(self.file, 1, 1)


def read_file(path: Path, *, display: str | None = None) -> Document:
    """Read ``path`` as one YAML mapping; every problem is a ``YamlError`` naming the file."""
    name = display or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise YamlError(f"{name}: file not found") from exc
    if size > MAX_BYTES:
        raise YamlError(
            f"{name}: file is {size / 1024 / 1024:.1f} MiB, larger than the 10 MiB limit; "
            "split it or remove generated content"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return read_text(text, name)


def read_text(text: str, name: str) -> Document:
    """Parse ``text`` as one YAML mapping (see ``read_file``)."""
    if len(text.encode("utf-8", errors="ignore")) > MAX_BYTES:
        raise YamlError(f"{name}: larger than the 10 MiB limit")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_syntax_message(name, exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"{name}: invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise YamlError(f"{name}: nesting is too deep to be a configuration file") from exc
    if node is None:
        raise YamlError(f"{name}: file is empty; expected a mapping with apiVersion and apps")
    doc = Document({}, name)
    data = _Converter(doc).convert(node, ())
    if not isinstance(data, dict):
        where = Location(name, node.start_mark.line + 1, node.start_mark.column + 1)
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__} value"
        raise YamlError(f"{where}: the top level must be a mapping of keys, found {kind}")
    doc.data = data
    return doc


def load_all_documents(text: str, name: str) -> Iterator[Any]:
    """Plain data of every document in a multi-document stream (manifests), safely."""
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is not None:
                yield _Converter(Document({}, name)).convert(node, ())
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_syntax_message(name, exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"{name}: invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise YamlError(f"{name}: nesting is too deep") from exc


def _syntax_message(name: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
    problem = exc.problem or exc.context or "syntax error"
    return f"{where}: invalid YAML: {problem}"


class _Converter:
    """Turn composed nodes into data, counting nodes so aliases cannot explode."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        self._constructor = yaml.SafeLoader("")
        self._visited = 0

    def _location(self, node: yaml.Node) -> Location:
        return Location(self._doc.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self._visited += 1
        if self._visited > MAX_NODES:
            raise YamlError(
                f"{self._location(node)}: more than {MAX_NODES} values after expanding "
                "aliases; refusing what looks like a billion-laughs document"
            )
        if len(path) > MAX_DEPTH:
            raise YamlError(f"{self._location(node)}: nesting deeper than {MAX_DEPTH} levels")
        self._doc.values.setdefault(path, self._location(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlError(f"{self._location(node)}: {exc.problem}") from exc

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        try:
            self._constructor.flatten_mapping(node)  # resolves `<<` merge keys
        except yaml.constructor.ConstructorError as exc:
            raise YamlError(f"{self._location(node)}: {exc.problem}") from exc
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, (*path, "<key>"))
            if isinstance(key, list | dict):
                raise YamlError(f"{self._location(key_node)}: a mapping key must be a scalar")
            if key in result:
                raise YamlError(
                    f"{self._location(key_node)}: duplicate key {key!r}; "
                    "YAML keeps only the last one, remove the other"
                )
            self._doc.keys[(*path, key)] = self._location(key_node)
            result[key] = self.convert(value_node, (*path, key))
        self._doc.values.pop((*path, "<key>"), None)
        return result
