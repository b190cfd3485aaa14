"""Masking: no secret value, raw or encoded, ever reaches a plan, a comment or a log.

Two mechanisms. Sensitive *fields* (Secret ``data``/``stringData``, ConfigMap keys and container
``env`` entries named in ``diff.mask_env``) are replaced by a marker that still tells the
reviewer whether the value changed. Sensitive *values* (registered: CI-masked variables, the
values of ``mask_env`` variables, credentials resolved from ``${ENV}``) are replaced by ``***``
wherever they appear, in objects before they are dumped (so YAML escaping cannot disguise them)
and in every text as a last pass. A registered value is also looked for in the encodings a
template can give it: base64 (whole, embedded, wrapped at 76 columns), URL query escaping,
JSON string escaping, and line by line when it spans lines (a PEM key re-indented by
``nindent``). The values of the Secrets being diffed are registered too (``learn_secrets``), so
a Secret's value is masked where else the render repeats it (env values, ConfigMaps).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sbkube_ci.sealed_values import is_sealed, same_value

MASK = "***"
UNCHANGED = "<masked: unchanged>"
CHANGED = "<masked: changed>"
PREVIOUS = "<masked: previous>"
ADDED = "<masked: added>"
REMOVED = "<masked: removed>"
HIDDEN = "<masked>"

MIN_LITERAL = 4
"""Shorter values would mask half the words of a diff; they are still masked in Secrets."""
MIN_EMBEDDED = 8
"""From this length, base64 pieces of a value inside longer base64 strings are masked too."""

MIN_LEARNED = MIN_EMBEDDED
"""Values of Secrets in the render are masked elsewhere from this length on."""

_LARGE_TEXT = 65_536
"""Above this, one ``str.find`` pass per needle beats a regex trying every needle per char."""

_Slots = dict[tuple[str, ...], tuple[Any, Any]]


class Masker:
    """Masks registered values in any text or object, and sensitive fields of objects."""

    def __init__(self, values: Iterable[str] = (), *, mask_env: Iterable[str] = ()) -> None:
        self.mask_env = frozenset(mask_env)
        self._needles: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.register(value)

    @classmethod
    def from_settings(
        cls, mask_env: Iterable[str], environ: Mapping[str, str] | None = None
    ) -> Masker:
        """A masker for ``diff.mask_env``: the current values of those variables are masked."""
        names = list(mask_env)
        env = os.environ if environ is None else environ
        return cls((env[n] for n in names if n in env), mask_env=names)

    def register(self, value: str) -> None:
        """Mask ``value`` (and its base64 forms) from now on; too-short values are ignored."""
        if len(value.strip()) < MIN_LITERAL:
            return
        forms = {value, *_base64_forms(_bytes(value)), *_escaped_forms(value)}
        forms = {f for f in forms if len(f) >= MIN_LITERAL} | _line_forms(value)
        new = forms - self._needles
        if new:
            self._needles |= new
            self._pattern = None

    def learn_secrets(self, objects: Iterable[Any]) -> None:
        """Register the values of every Secret in ``objects`` (``List`` items included)."""
        for obj in objects:
            for secret in _secrets(obj):
                for field in ("data", "stringData"):
                    for value in _leaves(secret.get(field)):
                        self._learn_value(value, encoded=field == "data")

    def _learn_value(self, value: Any, *, encoded: bool) -> None:
        # A Secret also holds plain words (a username "shop"); those stay hidden in the Secret
        # only, or every namespace called "shop" would read "***".
        text = value if isinstance(value, str) else json.dumps(value) if value is not None else ""
        if len(text.strip()) < MIN_LEARNED or is_sealed(text):
            return
        self.register(text)
        if encoded:
            # Text that is not base64 was registered as it is.
            with contextlib.suppress(binascii.Error, ValueError):
                decoded = base64.b64decode(text, validate=True).decode("utf-8")
                if len(decoded.strip()) >= MIN_LEARNED:
                    self.register(decoded)

    @property
    def has_values(self) -> bool:
        return bool(self._needles)

    def mask(self, text: str) -> str:
        """``text`` with every registered value, raw or base64, replaced by ``***``."""
        if not self._needles:
            return text
        if len(text) > _LARGE_TEXT:
            return _mask_spans(text, self._needles)
        if self._pattern is None:
            self._pattern = re.compile(_trie_pattern(self._needles))
        return self._pattern.sub(MASK, text)

    def mask_object(self, obj: Any) -> Any:
        """A copy of a Kubernetes object with sensitive fields hidden and values masked."""
        copy = _copy(obj)
        if isinstance(copy, dict):
            for container, key in sensitive_slots(copy, self.mask_env).values():
                container[key] = HIDDEN
        return self._mask_values(copy)

    def mask_pair(self, old: Any, new: Any, *, copy: bool = True) -> tuple[Any, Any]:
        """Two versions of one object, masked; sensitive fields say how they changed.

        With ``copy=False`` the inputs are masked in place (the engine's own copies)."""
        # Fields are compared before values are masked: two different secrets both mask to
        # ``***`` and would look unchanged.
        old_copy, new_copy = (_copy(old), _copy(new)) if copy else (old, new)
        old_slots = sensitive_slots(old_copy, self.mask_env) if isinstance(old_copy, dict) else {}
        new_slots = sensitive_slots(new_copy, self.mask_env) if isinstance(new_copy, dict) else {}
        for path, (container, key) in old_slots.items():
            if path not in new_slots:
                container[key] = REMOVED
            else:
                new_container, new_key = new_slots[path]
                # A snapshot keeps Secret values sealed: compared by digest, not text.
                same = same_value(container[key], new_container[new_key])
                container[key] = UNCHANGED if same else PREVIOUS
                new_container[new_key] = UNCHANGED if same else CHANGED
        for path, (container, key) in new_slots.items():
            if path not in old_slots:
                container[key] = ADDED
        if not self._needles:
            return old_copy, new_copy
        return self._mask_values(old_copy), self._mask_values(new_copy)

    def _mask_values(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return {self._mask_key(k): self._mask_values(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._mask_values(v) for v in obj]
        if isinstance(obj, str):
            return self.mask(obj)
        return obj

    def _mask_key(self, key: Any) -> Any:
        return self.mask(key) if isinstance(key, str) else key


def sensitive_slots(obj: dict[str, Any], mask_env: frozenset[str]) -> _Slots:
    """Sensitive fields of ``obj`` by a path stable across versions: (container, key) each."""
    slots: _Slots = _list_item_slots(obj, mask_env)
    kind = obj.get("kind")
    if kind == "Secret":
        _add_secret(slots, obj)
    elif kind == "ConfigMap" and mask_env:
        for field in ("data", "binaryData"):
            _add_map(slots, obj.get(field), (field,), mask_env)
    if mask_env:
        for path, entry in _env_entries(obj, ()):
            if entry.get("name") in mask_env and "value" in entry:
                slot = (*path, str(entry["name"]))
                while slot in slots:  # a duplicate name must be masked too, not overwritten
                    slot = (*slot, "again")
                slots[slot] = (entry, "value")
    return slots


def _list_item_slots(obj: dict[str, Any], mask_env: frozenset[str]) -> _Slots:
    """The sensitive fields of the items of a ``List`` (``kubectl get -o yaml`` output)."""
    items = obj.get("items")
    kind = obj.get("kind")
    if not (isinstance(kind, str) and kind.endswith("List") and isinstance(items, list)):
        return {}
    slots: _Slots = {}
    for index, item in enumerate(items):
        if isinstance(item, dict):
            metadata = item.get("metadata")
            name = metadata.get("name") if isinstance(metadata, dict) else None
            prefix = ("items", f"{item.get('kind')}/{name}" if name else f"[{index}]")
            for path, container_key in sensitive_slots(item, mask_env).items():
                slots[(*prefix, *path)] = container_key
    return slots


def _add_secret(slots: _Slots, secret: dict[str, Any]) -> None:
    for field in ("data", "stringData"):
        value = secret.get(field)
        if isinstance(value, dict):
            _add_map(slots, value, (field,), None)
        elif value is not None:  # not a mapping: the whole field is hidden
            slots[(field,)] = (secret, field)


def _add_map(
    slots: _Slots, values: Any, path: tuple[str, ...], only: frozenset[str] | None
) -> None:
    if isinstance(values, dict):
        for key in values:
            if only is None or key in only:
                slots[(*path, str(key))] = (values, key)


def _env_entries(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every item of every ``env`` list, with a path that names list items by their name."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "env" and isinstance(value, list):
                yield from (((*path, "env"), e) for e in value if isinstance(e, dict))
            else:
                yield from _env_entries(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            name = item.get("name") if isinstance(item, dict) else None
            yield from _env_entries(item, (*path, str(name) if name else f"[{index}]"))


def _secrets(obj: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(obj, dict):
        return
    if obj.get("kind") == "Secret":
        yield obj
    items = obj.get("items")
    if str(obj.get("kind", "")).endswith("List") and isinstance(items, list):
        for item in items:
            yield from _secrets(item)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield value


def _escaped_forms(value: str) -> set[str]:
    """``value`` as a URL query or path escapes it, and inside a JSON string."""
    try:
        forms = {
            urllib.parse.quote(value, safe=""),
            urllib.parse.quote(value),
            urllib.parse.quote_plus(value),
        }
    except UnicodeEncodeError:  # a lone surrogate: no URL can carry it
        forms = set()
    for ascii_only in (True, False):
        try:
            forms.add(json.dumps(value, ensure_ascii=ascii_only)[1:-1])
        except UnicodeEncodeError:  # a lone surrogate
            continue
    return forms


def _line_forms(value: str) -> set[str]:
    """The lines of a multi-line value, stripped (re-indentation changes their indent), and
    the 76-column lines of its wrapped base64 (``b64enc`` output folded by a tool, MIME)."""
    forms = set()
    if "\n" in value.strip():
        forms |= {line.strip() for line in value.splitlines()}
    wrapped = base64.encodebytes(_bytes(value)).decode("ascii")
    if wrapped.count("\n") > 1:
        forms |= set(wrapped.split())
    return {f for f in forms if len(f) >= MIN_EMBEDDED}


def _mask_spans(text: str, needles: Iterable[str]) -> str:
    """``text`` with every occurrence of every needle masked; overlapping ones as one span."""
    spans: list[tuple[int, int]] = []
    for needle in needles:
        start = text.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = text.find(needle, start + 1)
    if not spans:
        return text
    spans.sort()
    parts, done = [], 0
    for start, end in spans:
        if end <= done:
            continue
        if start > done:  # a new span: keep the text before it
            parts += [text[done:start], MASK]
        elif not parts:
            parts.append(MASK)  # a span starting at 0
        done = end
    return "".join(parts) + text[done:]


def _trie_pattern(needles: Iterable[str]) -> str:
    """One regex matching any needle, longest first, as a trie.

    A flat ``a|b|c`` alternation tries every needle at every position (seconds per MiB with a
    few dozen secrets); a trie tries one branch per character.
    """
    trie: dict[str, Any] = {}
    for needle in needles:
        node = trie
        for char in needle:
            node = node.setdefault(char, {})
        node[""] = {}  # end of a needle
    return _node_pattern(trie)


def _node_pattern(node: dict[str, Any]) -> str:
    chain = ""
    while len(node) == 1 and "" not in node:  # a run of single children: no group needed
        ((char, node),) = node.items()
        chain += re.escape(char)
    branches = [re.escape(c) + _node_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return chain
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Optional and greedy after a needle's end: the longer needle wins, the shorter still fits.
    return chain + (f"(?:{body})?" if "" in node else body)


def _bytes(value: str) -> bytes:
    # Environment values that were not UTF-8 arrive with surrogate escapes (os.environ).
    try:
        return value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="surrogatepass")


def _copy(obj: Any) -> Any:
    """A deep copy of plain data (much faster than ``copy.deepcopy`` on manifests)."""
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def _base64_forms(data: bytes) -> set[str]:
    """How ``data`` can appear base64-encoded: whole, and inside a longer encoded string."""
    forms = set()
    for whole in (data, data + b"\n"):
        std = base64.b64encode(whole).decode("ascii")
        forms |= {std, std.rstrip("=")}
    if len(data) >= MIN_EMBEDDED:
        # Inside a longer string the value starts at byte offset 0, 1 or 2 of a 3-byte group;
        # only the characters of full groups are fixed by the value alone.
        for skip_chars, align in ((0, 0), (2, 1), (3, 2)):
            encoded = base64.b64encode(b"\0" * align + data).decode("ascii")
            full = 4 * ((align + len(data)) // 3)
            forms.add(encoded[skip_chars:full])
    forms |= {f.replace("+", "-").replace("/", "_") for f in forms}
    return forms
