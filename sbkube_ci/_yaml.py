"""Safe YAML reading that remembers where every value came from.

Config errors must point at ``FILE:LINE:COL``, so documents are composed into nodes and turned
into plain Python data here, recording the start mark of every key and value. The same pass
refuses what a hostile or broken file could do to us: files over 10 MiB, alias expansion that
explodes (billion laughs, also through ``<<`` merge keys), nesting deeper than any real config,
duplicate keys, non-mapping top levels and empty files.

Mapping keys are always strings (the text of the key): configuration keys, app names and Helm
value keys are strings, and YAML 1.1 would otherwise turn ``on:`` or ``yes:`` into ``True``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sbkube_ci.errors import YamlError

MAX_BYTES = 10 * 1024 * 1024
MAX_ALIAS_VALUES = 100_000
MAX_VALUES = 250_000  # ~8000 apps; beyond it composing alone would take many seconds
MAX_DEPTH = 200

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"

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
    # Problems found while converting another format into this one: (where, path, message).
    conversion_problems: list[tuple[Location, str, str]] = field(default_factory=list)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """The location of ``path`` (its key when ``key``), or of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return Location(self.file, 1, 1)


def display_path(path: Path) -> str:
    """``path`` relative to the current directory when it is below it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(resolved)


def read_file(path: Path, *, display: str | None = None) -> Document:
    """Read ``path`` as one YAML mapping; every problem is a ``YamlError`` naming the file."""
    name = display or display_path(path)
    try:
        # Read one byte past the limit instead of trusting stat(): -f /dev/zero must not hang.
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise YamlError(f"{name}: file not found; check the path (-C DIR, -f FILE)") from exc
    except OSError as exc:
        raise YamlError(f"{name}: cannot read the file: {exc.strerror}") from exc
    if len(raw) > MAX_BYTES:
        raise YamlError(_too_large(name))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return read_text(text, name)


def _too_large(name: str) -> str:
    return (
        f"{name}: file is larger than the 10 MiB limit for a configuration file; "
        "split it or remove generated content"
    )


def read_text(text: str, name: str) -> Document:
    """Parse ``text`` as one YAML mapping (see ``read_file``)."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlError(_too_large(name))
    with _no_gc_pauses():
        try:
            _check_value_count(text, name)
            node = yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError as exc:
            raise YamlError(_syntax_message(name, exc, text)) from exc
        if node is None:
            raise YamlError(f"{name}: file is empty; expected a mapping with apiVersion and apps")
        doc = Document({}, name)
        data = _Converter(doc).convert(node, ())
    if not isinstance(data, dict):
        where = _location(name, node)
        kind = _kind(data)
        raise YamlError(f"{where}: the top level must be a mapping of keys, found {kind}")
    doc.data = data
    return doc


def _check_value_count(text: str, name: str) -> None:
    """Refuse more than ``MAX_VALUES`` values before building nodes for all of them.

    A 10 MiB file of tiny values would take a minute and gigabytes to compose. Every value
    needs a separator, so counting them bounds the number of values from above for the price
    of a few string scans; only when that bound is too high are the parser's events counted,
    which stops at the limit.
    """
    bound = sum(text.count(sep) for sep in (",", "\n", ":", "-", "[", "{")) + 1
    if bound <= MAX_VALUES:
        return
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > MAX_VALUES:
                mark = event.start_mark
                where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
                raise YamlError(
                    f"{where}: more than {MAX_VALUES} values; too large for a configuration "
                    "file, split it or move data into values files"
                )


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large acyclic tree.

    Every node, mark and location is a new object; with the collector on, its full
    collections walk the growing heap again and again and loading turns quadratic (a 1000-app
    file took twice as long). Nothing built here forms a cycle, so nothing is lost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def deeper_than(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` nests maps and lists more than ``limit`` levels (checked without
    recursion: digests, diffs and merges recurse, and would end in a RecursionError)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack += [(value, depth + 1) for value in node.values()]
        elif isinstance(node, list):
            stack += [(value, depth + 1) for value in node]
    return False


def load_all_documents(text: str, name: str) -> Iterator[Any]:
    """Plain data of every document in a multi-document stream (manifests), safely."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlError(_too_large(name))
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            data = _Converter(Document({}, name)).convert(node, ()) if node is not None else None
            if data is not None:  # `---` with nothing after it is not an object
                yield data
    except yaml.YAMLError as exc:
        raise YamlError(_syntax_message(name, exc, text)) from exc


def _kind(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if data is None:
        return "null"
    return {str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(data), f"a {type(data).__name__}"
    )


def _location(name: str, node: yaml.Node) -> Location:
    return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)


_HINTS = (
    ("nesting depth", "nesting is too deep to be a configuration file"),
    ("another document", "more than one YAML document (---); a configuration is one document"),
)


# PyYAML's words, and what they mean for someone editing a config file
_PLAIN_WORDS = (
    (
        "did not find expected key",
        "this line is indented differently from the keys above it; give the keys of one "
        "mapping the same indentation",
    ),
    (
        "mapping values are not allowed",
        "a 'key:' where none can start; check this line's indentation (deeper than its "
        "neighbours?), a missing ':' on the line above, or quote a value that contains ': '",
    ),
    ("expected ',' or ']'", "a [ list ] is not closed; add the ']'"),
    ("expected ',' or '}'", "a { mapping } is not closed; add the '}'"),
    ("could not find expected ':'", "a key without its ':', or a quote left open above"),
    (
        "cannot start any token",
        "a value cannot start with this character (@, ` or %); put the value in quotes",
    ),
    ("unexpected end of stream", "the file ends inside a quoted string; close the quote"),
    ("found undefined alias", "a *name with no &name anchor defined above it"),
)


def _syntax_message(name: str, exc: yaml.YAMLError, text: str = "") -> str:
    """One line: where, and what is wrong in words a YAML beginner can act on."""
    if isinstance(exc, yaml.reader.ReaderError):
        return (
            f"{name}: invalid YAML: character #x{exc.character:04x} at offset {exc.position} "
            "is not allowed in YAML text; remove it"
        )
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"{name}: invalid YAML: {' '.join(str(exc).split())}"
    mark = exc.problem_mark or exc.context_mark
    where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
    problem = exc.problem or exc.context or "syntax error"
    for needle, hint in _HINTS:
        if needle in problem:
            return f"{where}: {hint} ({problem})"
    if mark and text[mark.index : mark.index + 1] == "\t":
        return f"{where}: invalid YAML: a tab; YAML indents with spaces only"
    plain = next((words for needle, words in _PLAIN_WORDS if needle in problem), "")
    return f"{where}: invalid YAML: {problem}" + (f"; {plain}" if plain else "")


class _Converter:
    """Turn composed nodes into data, counting alias expansions so they cannot explode.

    Aliases are expanded by converting the shared node again at each use. The first visit of
    a node is free (the file's size bounds those); every further visit is an expansion and
    counts against ``MAX_ALIAS_VALUES``, so a billion-laughs document stops after a fraction
    of a second while a large file without aliases is never refused.
    """

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        self._constructor = yaml.SafeLoader("")
        self._seen: set[int] = set()
        self._expanded = 0
        self._open: set[int] = set()  # collections being converted: an alias to one recurses

    def _where(self, node: yaml.Node) -> Location:
        return _location(self._doc.file, node)

    def _count(self, node: yaml.Node, path: PathKey) -> None:
        if id(node) in self._seen:
            self._expanded += 1
            if self._expanded > MAX_ALIAS_VALUES:
                raise YamlError(
                    f"{self._where(node)}: aliases expand to more than {MAX_ALIAS_VALUES} "
                    "values; refusing what looks like a billion-laughs document"
                )
        else:
            self._seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise YamlError(
                f"{self._where(node)}: nesting is deeper than {MAX_DEPTH} levels; "
                "this cannot be a configuration file"
            )

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self._count(node, path)
        self._doc.values.setdefault(path, self._where(node))
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self._scalar(node)
        if id(node) in self._open:
            raise YamlError(
                f"{self._where(node)}: an alias refers to a mapping or list that contains it; "
                "a configuration cannot be recursive"
            )
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:
            return node.value  # most values: skip the constructor's dispatch (2x faster load)
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlError(f"{self._where(node)}: {exc.problem}") from exc

    def _key(self, node: yaml.Node, path: PathKey) -> str:
        self._count(node, path)
        if not isinstance(node, yaml.ScalarNode):
            raise YamlError(f"{self._where(node)}: a mapping key must be a plain word or string")
        return str(node.value)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        """Own keys first, then ``<<`` merges fill the keys not set (YAML merge semantics)."""
        own: dict[str, Any] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key in own:
                raise YamlError(
                    f"{self._where(key_node)}: duplicate key {key!r}; "
                    "YAML keeps only the last one, remove the other"
                )
            self._doc.keys.setdefault((*path, key), self._where(key_node))
            own[key] = self.convert(value_node, (*path, key))
        merged: dict[str, Any] = {}
        for source in self._merge_sources(merges):
            for key, value in self._mapping(source, path).items():
                if key not in own:
                    merged.setdefault(key, value)  # the first source listed wins
        return {**merged, **own} if merged else own

    def _merge_sources(self, merges: list[yaml.Node]) -> Iterator[yaml.MappingNode]:
        for value in merges:
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for item in items:
                if not isinstance(item, yaml.MappingNode):
                    raise YamlError(
                        f"{self._where(item)}: a << merge key needs a mapping "
                        "or a list of mappings (usually an alias such as *defaults)"
                    )
                yield item
