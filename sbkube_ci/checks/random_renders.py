"""Non-deterministic renders: fields that differ between two renders of the same input.

A chart that calls ``randAlphaNum`` (or ``uuidv4``, ``genCA``, ``now``, ...) renders another
password, certificate or timestamp every time, and a ``checksum/*`` annotation over such a
template changes with it. Two renders of one input are compared object by object; the fields
that differ are random, and the chart's templates are searched for the values that pin them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbkube_ci.checks.objects import title

CHECK = "random-render"
_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_RANDOM = re.compile(
    r"\b(randAlphaNum|randAlpha|randNumeric|randAscii|randBytes|randInt|uuidv4|shuffle|now"
    r"|genPrivateKey|genCA|genCAWithKey|genSelfSignedCert|genSelfSignedCertWithKey"
    r"|genSignedCert|genSignedCertWithKey)\b"
)
_VALUES = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_INCLUDE = re.compile(r"""\b(?:include|template)\s+"([^"]+)\"""")
_TEMPLATE_FILE = re.compile(r"""\$\.Template\.BasePath\s*"/?([^"]+)\"""")
_GUARD = re.compile(r"\{\{-?\s*(?:if|else if|with)\b|:=|\bdefault\b")
_WINDOW = 6  # lines above a field that may hold the `if .Values.x` guarding its random default

Segment = str | int


@dataclass(frozen=True)
class RandomField:
    """A field of one object that two renders of the same input disagree on."""

    api_version: str
    kind: str
    namespace: str
    name: str
    title: str
    path: tuple[Segment, ...]

    @property
    def dotted(self) -> str:
        text = ""
        for segment in self.path:
            if isinstance(segment, int):
                text += f"[{segment}]"
            elif re.fullmatch(r"[A-Za-z0-9_-]+", segment):
                text += f".{segment}" if text else segment
            else:
                text += f'["{segment}"]'
        return text


def random_fields(
    first: Iterable[dict[str, Any]], second: Iterable[dict[str, Any]]
) -> list[RandomField]:
    """Fields that differ between two renders of one input (objects matched by identity)."""
    others = {_identity(obj): obj for obj in second}
    found: list[RandomField] = []
    for obj in first:
        key = _identity(obj)
        other = others.get(key)
        if other is None or other == obj:
            continue
        for path in _differences(obj, other, ()):
            found.append(RandomField(*key, title(obj), path))
    return found


def _identity(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return (
        str(obj.get("apiVersion", "")),
        str(obj.get("kind", "")),
        str(meta.get("namespace", "") or ""),
        str(meta.get("name", "")),
    )


def _differences(a: Any, b: Any, path: tuple[Segment, ...]) -> Iterator[tuple[Segment, ...]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                yield from _differences(a.get(key), b.get(key), (*path, key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                yield from _differences(x, y, (*path, index))
    elif a != b:
        yield path


@dataclass(frozen=True)
class Template:
    path: str  # as helm names it: templates/secret.yaml, charts/redis/templates/x.yaml
    text: str
    random: bool  # an action calls a function whose output changes on every render

    @classmethod
    def of(cls, path: str, text: str) -> Template:
        return cls(path, text, any(_RANDOM.search(a) for a in _ACTION.findall(text)))

    @property
    def values_prefix(self) -> str:
        """Where a subchart's values live in the parent's values (``redis.``)."""
        parts = self.path.split("/")
        prefix = [parts[i + 1] for i in range(len(parts) - 1) if parts[i] == "charts"]
        return "".join(f"{name}." for name in prefix)


@dataclass
class TemplateReader:
    """Reads charts' templates, each distinct file once per run.

    Apps' built charts are hard links to one shared build, so a file's identity (device,
    inode, size, mtime) names its content: a thousand apps on four charts read four charts.
    """

    _files: dict[tuple[int, int, int, int], Template] = field(default_factory=dict)

    def templates(self, chart: Path) -> list[Template]:
        """Every template of a chart and its subcharts (directories or packed ``.tgz``)."""
        found: list[Template] = []
        for directory, subdirs, files in os.walk(chart):
            relative = Path(directory).relative_to(chart).as_posix()
            parts = [] if relative == "." else relative.split("/")
            inside = "templates" in parts
            subdirs[:] = sorted(d for d in subdirs if _descend(parts, d))
            for name in sorted(files):
                path = Path(directory) / name
                where = f"{relative}/{name}" if relative != "." else name
                if name.endswith(".tgz") and parts[-1:] == ["charts"]:
                    found += _packed(path, where.removesuffix(".tgz").rsplit("-", 1)[0])
                elif inside:
                    found.append(self._read(path, where))
        return found

    def _read(self, path: Path, where: str) -> Template:
        stat = path.stat()
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = self._files.get(key)
        if known is None or known.path != where:
            text = path.read_text(encoding="utf-8", errors="replace")
            known = self._files[key] = Template.of(where, text)
        return known


def _descend(parts: list[str], name: str) -> bool:
    """Whether templates may be below ``name``: template folders, subcharts and their own."""
    return "templates" in parts or name in ("templates", "charts") or parts[-1:] == ["charts"]


def _packed(archive: Path, prefix: str) -> list[Template]:
    import tarfile  # noqa: PLC0415 - few charts pack subcharts; every plan would pay the import

    found = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name.split("/", 1)[-1]
            handle = tar.extractfile(member) if member.isfile() and "templates/" in name else None
            if handle is not None:
                text = handle.read().decode("utf-8", errors="replace")
                found.append(Template.of(f"{prefix}/{name}", text))
    return found


def uses_randomness(templates: Iterable[Template]) -> bool:
    """True when a template action calls a function whose output changes on every render."""
    return any(t.random for t in templates)


def values_to_pin(field: RandomField, templates: list[Template]) -> tuple[list[str], str]:
    """The values paths that pin ``field``, and the template a checksum field is taken over.

    The field's key is looked up in the templates; a line with that key whose action (or the
    ``if``/``with``/``default``/``:=`` lines just above it, or the helpers it includes) calls a
    random function names the values that replace the random default, nearest first. For a
    checksum annotation over another template (``$.Template.BasePath "/secret.yaml"``) the
    values are those of that template's random lines; callers that know the template's random
    fields should prefer those fields' values.
    """
    leaf = next((s for s in reversed(field.path) if isinstance(s, str)), "")
    defines = _defines(templates)
    key_line = re.compile(rf"""^\s*-?\s*["']?{re.escape(leaf)}["']?\s*:""")
    found: list[str] = []
    derived = ""
    for template in templates:
        lines = template.text.splitlines()
        for index, line in enumerate(lines):
            if not key_line.match(line):
                continue
            base = _TEMPLATE_FILE.search(line)
            if base:
                derived = "templates/" + base.group(1).removeprefix("templates/")
                found += _template_values(templates, derived, defines)
            else:
                found += _values_near(template, lines, index, defines)
    return list(dict.fromkeys(found)), derived


def _values_near(
    template: Template, lines: list[str], index: int, defines: dict[str, str]
) -> list[str]:
    """Values on line ``index`` and its guards above, if a random function is among them."""
    above = lines[max(0, index - _WINDOW) : index]
    guards = [line for line in reversed(above) if _GUARD.search(line)]  # nearest first
    context = "\n".join([lines[index], *guards])
    if not _RANDOM.search(context + _expand(lines[index], defines)):
        return []
    return [template.values_prefix + ref.lstrip(".") for ref in _VALUES.findall(context)]


def _template_values(templates: list[Template], path: str, defines: dict[str, str]) -> list[str]:
    """Values guarding every random call in the template at ``path``."""
    found: list[str] = []
    for template in templates:
        if template.path.endswith(path):
            lines = template.text.splitlines()
            for index in range(len(lines)):
                found += _values_near(template, lines, index, defines)
    return found


_OPEN = re.compile(r"\{\{-?\s*(if|range|with|define|block)\b")
_END = re.compile(r"\{\{-?\s*end\s*-?\}\}")
_DEFINE_START = re.compile(r"""\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}""")


def _defines(templates: Iterable[Template]) -> dict[str, str]:
    """Every named template (``define``) by name, its body up to its own ``end``."""
    found: dict[str, str] = {}
    for template in templates:
        text = template.text
        for start in _DEFINE_START.finditer(text):
            depth, pos = 1, start.end()
            while depth:
                opening, closing = _OPEN.search(text, pos), _END.search(text, pos)
                if closing is None:
                    break
                if opening is not None and opening.start() < closing.start():
                    depth, pos = depth + 1, opening.end()
                else:
                    depth, pos = depth - 1, closing.end()
            found[start.group(1)] = text[start.end() : pos]
    return found


def _expand(text: str, defines: dict[str, str], depth: int = 3) -> str:
    """The bodies of the helpers ``text`` includes, and of theirs, ``depth`` levels down."""
    if depth == 0:
        return ""
    bodies = [defines.get(name, "") for name in _INCLUDE.findall(text)]
    return "".join(body + _expand(body, defines, depth - 1) for body in bodies)
