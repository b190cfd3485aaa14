"""``sbkube-ci migrate``: rewrite a legacy pair or SBKube's older shapes as canonical sbkube.yaml.

What the file should say is what the loader reads (``read_document`` and the rewrites of
``config.compat``) plus credentials moved out into ``${VAR}`` references. That target is then
written into the user's own YAML, loaded with ruamel.yaml's round-trip mode, changing only the
values that differ, so comments and key order stay where they can.
"""

from __future__ import annotations

import difflib
import io
import itertools
import json
import re
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from sbkube_ci._files import write_atomic
from sbkube_ci._yaml import display_path, read_text
from sbkube_ci.config.compat import apply_to_document
from sbkube_ci.config.legacy import LEGACY_SOURCES
from sbkube_ci.config.loader import CONFIG_NAMES, check_document, read_document
from sbkube_ci.errors import ConfigError, ConfigProblems

_HINT = re.compile(r";? ?\(?`sbkube-ci migrate` (rewrites it|does)\)?")
_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_CREDENTIALS = {
    "helm_repos": ("password",),
    "oci_registries": ("password",),
    "git_repos": ("password", "ssh_key"),
}


@dataclass
class Migration:
    """The canonical text, where it goes, and what changed (one line each)."""

    target: Path
    old_text: str
    new_text: str
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text


def migrate(chdir: Path, file: Path | None, *, dry_run: bool, output_format: str = "text") -> int:
    """The CLI verb: print what changes, write it (unless ``dry_run``); 1 if problems remain."""
    migration = plan_migration(chdir, file)
    shown = display_path(migration.target)
    if output_format == "json":
        return _migrate_json(migration, shown, dry_run=dry_run)
    if not migration.changed:
        click.echo(f"{shown} is already in the canonical shape; nothing to change")
        return 0
    for line in migration.changes:
        click.echo(f"- {line}")
    if dry_run:
        old = migration.old_text.splitlines(keepends=True)
        new = migration.new_text.splitlines(keepends=True)
        click.echo("".join(difflib.unified_diff(old, new, f"a/{shown}", f"b/{shown}")), nl=False)
        return 0
    write_atomic(migration.target, migration.new_text)
    click.echo(f"wrote {shown}")
    return _check_written(migration.target)


def _migrate_json(migration: Migration, shown: str, *, dry_run: bool) -> int:
    write = migration.changed and not dry_run
    if write:
        write_atomic(migration.target, migration.new_text)
    remaining = _remaining(migration.target) if write else []
    report = {
        "file": shown,
        "changed": migration.changed,
        "written": write,
        "changes": migration.changes,
        "problems": remaining,
    }
    click.echo(json.dumps(report, indent=2))
    return 1 if remaining else 0


def plan_migration(chdir: Path, file: Path | None = None) -> Migration:
    """The canonical sbkube.yaml for the project at ``chdir`` (``file``), not yet written."""
    doc, base_dir, files = read_document(chdir, file)
    legacy = files[0].name == LEGACY_SOURCES
    changes: list[str] = []
    if legacy:
        changes.append(
            "merged " + ", ".join(display_path(f) for f in files) + " into one sbkube.yaml "
            "(the legacy files are left in place: delete them once the result is reviewed)"
        )
    problems = apply_to_document(doc, base_dir)
    refused = [str(p) for p in problems if p.severity == "error"]
    if refused:  # what migrate cannot rewrite must not be dropped from the file silently
        raise ConfigProblems(refused)
    changes += [
        f"{p.path}: {_HINT.sub('', p.message)}" for p in problems if p.severity == "warning"
    ]
    changes += _externalize_credentials(doc.data)
    desired: dict[str, Any] = {"apiVersion": "sbkube/v1", **doc.data}
    if legacy:
        target = base_dir / CONFIG_NAMES[0]
        if target.exists():
            raise ConfigError(
                f"{display_path(target)} already exists; migrate it instead (-f "
                f"{target.name}), or move it away to write it from the legacy files"
            )
        tree, old_text = _legacy_seed(files), ""
    else:
        target = files[0]
        old_text = target.read_text(encoding="utf-8")
        tree = _load(old_text, target)
    tree = _sync(tree, desired)
    style = old_text or (files[1] if len(files) > 1 else files[0]).read_text(encoding="utf-8")
    new_text = _dump(tree, style) if changes or legacy else old_text
    return Migration(target, old_text, new_text, changes)


def _externalize_credentials(data: dict[str, Any]) -> list[str]:
    """Plain-text credentials become ``${VAR}``; the value itself is never printed."""
    settings = data.get("settings")
    changes = []
    for section, fields in _CREDENTIALS.items():
        entries = settings.get(section) if isinstance(settings, dict) else None
        for name, entry in (entries if isinstance(entries, dict) else {}).items():
            for key in fields if isinstance(entry, dict) else ():
                value = entry.get(key)
                if isinstance(value, str) and value and not _ENV_REF.match(value):
                    env = re.sub(r"[^A-Z0-9]+", "_", f"{name}_{key}".upper()).strip("_")
                    entry[key] = f"${{{env}}}"
                    changes.append(
                        f"settings.{section}.{name}.{key}: the plain-text value is now ${{{env}}}; "
                        f"store the old value as a CI secret named {env} and expose it to the job"
                    )
    return changes


def _yaml(style: str = "") -> YAML:
    """A round-trip YAML that writes with the indentation ``style`` (a file's text) uses."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    mapping, offset = _indentation(style)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    yaml.width = 4096  # never fold a long value onto a second line
    return yaml


def _indentation(text: str) -> tuple[int, int]:
    """(mapping indent, indent of a list's dash under its key), as first written in ``text``."""
    mapping, offset = 2, 2
    found_mapping = found_offset = False
    lines = [line for line in text.splitlines() if line.strip() and line.lstrip()[0] != "#"]
    for parent, line in itertools.pairwise(lines):
        if not parent.rstrip().endswith(":"):
            continue
        depth = len(parent) - len(parent.lstrip())
        indent = len(line) - len(line.lstrip())
        if line.lstrip().startswith("- ") and indent >= depth and not found_offset:
            offset, found_offset = indent - depth, True
        elif indent > depth and not found_mapping:
            mapping, found_mapping = indent - depth, True
    return mapping, offset


def _load(text: str, path: Path) -> Any:
    try:
        return _yaml().load(text)
    except YAMLError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read it for migration: {exc}") from exc


def _dump(tree: Any, style: str) -> str:
    stream = io.StringIO()
    _yaml(style).dump(tree, stream)
    return stream.getvalue()


def _legacy_seed(files: list[Path]) -> CommentedMap:
    """The legacy files' own mappings, so their comments carry over into sbkube.yaml."""
    sources = _load(files[0].read_text(encoding="utf-8"), files[0])
    tree = CommentedMap()
    tree["apiVersion"] = "sbkube/v1"
    tree["settings"] = CommentedMap()
    tree["apps"] = CommentedMap()
    if isinstance(sources, CommentedMap):
        for key, value in sources.items():
            tree["settings"][key] = value  # keys that are not settings are moved by _sync
    for path in files[1:]:
        group = _load(path.read_text(encoding="utf-8"), path)
        apps = group.get("apps") if isinstance(group, CommentedMap) else None
        if isinstance(apps, CommentedMap):
            for name, app in apps.items():
                tree["apps"].setdefault(name, app)
    names = ", ".join(display_path(f) for f in files)
    tree.yaml_set_start_comment(f"Migrated by sbkube-ci migrate from {names}")
    return tree


def _sync(node: Any, desired: Any) -> Any:
    """``node`` changed in place to equal ``desired``, keeping what is equal (and its comments)."""
    if isinstance(node, CommentedMap) and isinstance(desired, dict):
        removed = {k: node[k] for k in node if k not in desired}
        for key in removed:
            del node[key]
        for index, (key, value) in enumerate(desired.items()):
            if key in node:
                node[key] = _sync(node[key], value)
            else:  # a renamed key keeps its value's style ([a, b] stays a flow list)
                same = [old for old in removed.values() if old == value]
                node.insert(min(index, len(node)), key, same[0] if same else _fresh(value))
        return node
    if isinstance(node, CommentedSeq) and isinstance(desired, list) and len(node) == len(desired):
        for index, value in enumerate(desired):
            node[index] = _sync(node[index], value)
        return node
    if (
        not isinstance(node, MutableMapping | list)
        and isinstance(node, type(desired))
        and node == desired
    ):
        return node  # keeps the quoting style of an unchanged scalar
    return _fresh(desired)


def _fresh(value: Any) -> Any:
    if isinstance(value, dict):
        return CommentedMap((k, _fresh(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_fresh(v) for v in value)
    return value


def _remaining(path: Path) -> list[str]:
    """The errors the written file still has (what migrate could not fix)."""
    doc = read_text(path.read_text(encoding="utf-8"), display_path(path))
    _, problems = check_document(doc, path.parent)
    return [str(p) for p in problems if p.severity == "error"]


def _check_written(path: Path) -> int:
    errors = _remaining(path)
    for line in errors:
        click.echo(line, err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) remain; fix them by hand (see above)", err=True)
    return 1 if errors else 0
