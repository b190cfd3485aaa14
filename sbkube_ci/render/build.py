"""The build stage: a helm app's chart copied to ``.sbkube/build/<app>/`` with its overrides
and removes applied, and its merged values written per cluster beside it.

A build is skipped when its input (source pin, override files, remove patterns) is unchanged:
the stamp file records that input and the digest of the resulting tree.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkube_ci._files import write_atomic
from sbkube_ci._paths import inside
from sbkube_ci.cache import ContentStore
from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.sections import Cluster
from sbkube_ci.errors import RenderError
from sbkube_ci.render import digest
from sbkube_ci.render.context import RenderContext
from sbkube_ci.render.emit import dump_document
from sbkube_ci.render.files import read_first_line, replace_dir
from sbkube_ci.render.layers import ValuesLayer, values_layers
from sbkube_ci.render.values import deep_merge, set_values_layer
from sbkube_ci.sources.base import PreparedSource

STAMP = ".sbkube-build.json"
BUILDS = "builds"  # the cache namespace of built charts
BUILD_FORMAT = "1"
_VALUES_HEADER = "# sbkube-ci merged values; digest "
# Files sbkube-ci adds to the build directory; helm must not package or expose them.
_HELMIGNORE_LINES = (STAMP, "values.sbkube.*.yaml")


@dataclass(frozen=True)
class BuiltChart:
    app: str
    path: Path
    tree_digest: str
    rebuilt: bool


@dataclass(frozen=True)
class MergedValues:
    values: dict[str, Any]
    digest: str
    path: Path


def values_path(chart_dir: Path, cluster: str) -> Path:
    """Where the merged values of an app on ``cluster`` are written."""
    return chart_dir / f"values.sbkube.{cluster}.yaml"


def build_chart(
    ctx: RenderContext, name: str, app: HelmApp, source: PreparedSource, *, into: str | None = None
) -> BuiltChart:
    """Copy the prepared chart, apply overrides and removes; skip when nothing changed.

    The chart goes to ``.sbkube/build/<into>`` (default: the app's name; a source key when a
    cluster gives the app a chart version of its own).
    """
    overrides = override_files(ctx, name, app)
    build_input = digest.sha256_text(
        digest.canonical_json(
            {
                "format": BUILD_FORMAT,
                "source": source.pin.digest,
                "overrides": digest.files_digest(overrides),
                "removes": app.removes,
            }
        )
    )
    dest = ctx.work.build(into or name)
    stamp = _read_stamp(dest)
    if stamp.get("input") == build_input and isinstance(stamp.get("tree"), str):
        return BuiltChart(name, dest, stamp["tree"], rebuilt=False)
    entry, files, tree = _stored_build(ctx, name, app, source, build_input)
    ctx.work.builds.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=ctx.work.builds, prefix=f".{into or name}."))
    try:
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide the chart from other users (containers)
        _link_tree(entry, files, tmp)
        replace_dir(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuiltChart(name, dest, tree, rebuilt=True)


def _stored_build(
    ctx: RenderContext, name: str, app: HelmApp, source: PreparedSource, build_input: str
) -> tuple[Path, list[str], str]:
    """The built chart in the content-addressed ``builds`` store: (entry, files, tree digest).

    Apps with the same chart, overrides and removes share one entry, built once.
    """
    known = ctx.builds.get(build_input)
    if known is not None:
        return known
    store = ContentStore(ctx.cache_dir, BUILDS)
    entry = store.get(build_input)
    if entry is None or _read_stamp(entry).get("input") != build_input:
        if entry is not None:  # damaged: rebuild it
            shutil.rmtree(entry, ignore_errors=True)
        content = _built_content(ctx, name, app, source, build_input)
        entry = store.put(build_input, lambda directory: _write_tree(directory, content))
    with contextlib.suppress(OSError):
        os.utime(entry)  # used: keep it from `cache prune`
    files = sorted(p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file())
    result = (entry, files, str(_read_stamp(entry).get("tree", "")))
    ctx.builds[build_input] = result
    return result


def _built_content(
    ctx: RenderContext, name: str, app: HelmApp, source: PreparedSource, build_input: str
) -> dict[str, bytes]:
    """The chart's files after overrides and removes, plus the stamp."""
    if not (source.path / "Chart.yaml").is_file():
        raise RenderError(f"apps.{name}: prepared chart {source.path} has no Chart.yaml")
    content = dict(_source_files(ctx, source))
    content.update((rel, file.read_bytes()) for rel, file in override_files(ctx, name, app))
    for index, pattern in enumerate(app.removes):
        _check_relative(f"apps.{name}.removes[{index}]", pattern)
        content = {rel: data for rel, data in content.items() if not _removed(rel, pattern)}
    content[".helmignore"] = _extend_helmignore(content.get(".helmignore", b""))
    tree = digest.content_digest(content)
    content[STAMP] = (json.dumps({"input": build_input, "tree": tree}) + "\n").encode()
    return content


def _link_tree(entry: Path, files: list[str], dest: Path) -> None:
    """``dest`` as hard links to the store's files (copies across filesystems)."""
    made: set[Path] = {dest}
    for rel in files:
        target = dest / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(entry / rel, target)
        except OSError:
            shutil.copyfile(entry / rel, target)


def _source_files(ctx: RenderContext, source: PreparedSource) -> list[tuple[str, bytes]]:
    """The chart's files, read once per run however many apps use the chart."""
    key = f"{source.path}|{source.pin.digest}"
    files = ctx.source_files.get(key)
    if files is None:
        root = source.path
        files = [
            (path.relative_to(root).as_posix(), path.read_bytes())
            for path in sorted(root.rglob("*"))
            if path.is_file()
        ]
        ctx.source_files[key] = files
    return files


def _write_tree(root: Path, content: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for rel, data in content.items():
        target = root / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)


def _removed(rel: str, pattern: str) -> bool:
    """Whether ``pattern`` (a glob, ``**`` for any depth) names ``rel`` or a directory above it."""
    parts = rel.split("/")
    wanted = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
    return any(_match(parts[:end], wanted) for end in range(1, len(parts) + 1))


def _match(parts: list[str], pattern: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match(parts[skip:], pattern[1:]) for skip in range(len(parts) + 1))
    return (
        bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _match(parts[1:], pattern[1:])
    )


def override_files(ctx: RenderContext, name: str, app: HelmApp) -> list[tuple[str, Path]]:
    """(path in the chart, file) for each file the app's ``overrides`` name, in order."""
    if isinstance(app.overrides, dict):
        return _mapped_overrides(ctx, name, app.overrides)
    root = ctx.project.base_dir / "overrides" / name
    found: dict[str, Path] = {}
    for index, pattern in enumerate(app.overrides):
        _check_relative(f"apps.{name}.overrides[{index}]", pattern)
        matches = sorted(root.glob(pattern)) if _is_glob(pattern) else [root / pattern]
        files: list[Path] = []
        for match in matches:
            if match.is_dir():
                files += sorted(p for p in match.rglob("*") if p.is_file())
            elif match.is_file():
                files.append(match)
        if not files:
            raise RenderError(
                f"apps.{name}.overrides[{index}]: {pattern} matches no file under "
                f"{ctx.display(root)}/; put the replacement chart files there"
            )
        for file in files:
            if not inside(ctx.project.base_dir, file):
                raise RenderError(
                    f"apps.{name}.overrides[{index}]: {ctx.display(file)} is a symlink that "
                    "points outside the project directory; replace it with the file itself"
                )
            found[file.relative_to(root).as_posix()] = file
    return sorted(found.items())


def _mapped_overrides(
    ctx: RenderContext, name: str, overrides: dict[str, str]
) -> list[tuple[str, Path]]:
    """SBKube's mapping form: chart file -> replacement file (relative to the project)."""
    base = ctx.project.base_dir.resolve()
    found: dict[str, Path] = {}
    for target, rel in overrides.items():
        where = f"apps.{name}.overrides.{target}"
        _check_relative(where, target)
        file = (base / rel).resolve()
        if not file.is_relative_to(base):
            raise RenderError(f"{where}: {rel} is outside the project; keep it in the repository")
        if not file.is_file():
            raise RenderError(
                f"{where}: {rel} does not exist (paths are relative to {ctx.display(base)})"
            )
        found[Path(target).as_posix()] = file
    return sorted(found.items())


def _layer_values(ctx: RenderContext, layer: ValuesLayer) -> dict[str, Any]:
    if layer.kind == "file" and layer.file is not None:
        path = ctx.project.inside(layer.file, layer.field or layer.label, RenderError)
        return ctx.values_files.read(path, layer.file)
    if layer.kind == "set" and layer.data is not None:
        return set_values_layer(layer.data, layer.label)
    return dict(layer.data) if isinstance(layer.data, Mapping) else {}


def _check_relative(where: str, pattern: str) -> None:
    if os.path.isabs(pattern) or ".." in Path(pattern).parts:
        raise RenderError(f"{where}: {pattern} must be a path inside the chart, without '..'")


def _is_glob(pattern: str) -> bool:
    return any(char in pattern for char in "*?[")


def _extend_helmignore(text: bytes) -> bytes:
    if text and not text.endswith(b"\n"):
        text += b"\n"
    return text + "\n".join(_HELMIGNORE_LINES).encode() + b"\n"


def _read_stamp(dest: Path) -> dict[str, Any]:
    try:
        data = json.loads((dest / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def merge_values(
    ctx: RenderContext,
    name: str,
    app: HelmApp,
    *,
    cluster_name: str,
    cluster: Cluster,
    chart: Path,
) -> MergedValues:
    """Merge the app's values on ``cluster`` and write them (only when they changed).

    The order is ``render.layers.values_layers``'s, over the chart's own ``values.yaml``.
    """
    project = ctx.project
    layers: list[dict[str, Any]] = []
    defaults = chart / "values.yaml"
    if defaults.is_file():
        layers.append(ctx.values_files.read(defaults, f"apps.{name}: chart values.yaml"))
    layers += [
        _layer_values(ctx, layer)
        for layer in values_layers(project.config, name, app, cluster_name, cluster)
    ]
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer)
    values_digest = digest.values_digest(merged)
    path = values_path(chart, cluster_name)
    header = f"{_VALUES_HEADER}{values_digest} (app {name}, cluster {cluster_name})"
    if read_first_line(path) != header:
        _write_values(path, f"{header}\n{dump_document(merged) if merged else ''}")
    return MergedValues(merged, values_digest, path)


def _write_values(path: Path, text: str) -> None:
    # Another run in the same project may swap the build directory (replace_dir) between our
    # temp file and its rename; its directory holds the same chart, so write again there.
    for attempt in range(3):
        try:
            write_atomic(path, text)
            return
        except FileNotFoundError:
            if attempt == 2:
                raise
