"""The build stage: a helm app's chart copied to ``.sbkube/build/<app>/`` with its overrides
and removes applied, and its merged values written per cluster beside it.

A build is skipped when its input (source pin, override files, remove patterns) is unchanged:
the stamp file records that input and the digest of the resulting tree.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.sections import Cluster
from sbkube_ci.errors import RenderError
from sbkube_ci.render import digest
from sbkube_ci.render.context import RenderContext
from sbkube_ci.render.files import read_first_line, replace_dir, write_atomic
from sbkube_ci.render.values import deep_merge, set_values_layer
from sbkube_ci.sources.base import PreparedSource

STAMP = ".sbkube-build.json"
BUILD_FORMAT = "1"
_VALUES_HEADER = "# sbkube-ci merged values; digest "
# Files sbkube-ci adds to the build directory; helm must not package or expose them.
_HELMIGNORE_LINES = (STAMP, "values.sbkube.*.yaml")
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


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


def build_chart(ctx: RenderContext, name: str, app: HelmApp, source: PreparedSource) -> BuiltChart:
    """Copy the prepared chart, apply overrides and removes; skip when nothing changed."""
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
    dest = ctx.build_dir / name
    stamp = _read_stamp(dest)
    if stamp.get("input") == build_input and isinstance(stamp.get("tree"), str):
        return BuiltChart(name, dest, stamp["tree"], rebuilt=False)
    if not (source.path / "Chart.yaml").is_file():
        raise RenderError(f"apps.{name}: prepared chart {source.path} has no Chart.yaml")
    ctx.build_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=ctx.build_dir, prefix=f".{name}."))
    try:
        chart = tmp / "chart"
        shutil.copytree(source.path, chart, symlinks=False)
        for rel, file in overrides:
            target = chart / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        _apply_removes(name, app, chart)
        _extend_helmignore(chart)
        tree = digest.tree_digest(chart)
        (chart / STAMP).write_text(json.dumps({"input": build_input, "tree": tree}) + "\n")
        replace_dir(chart, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuiltChart(name, dest, tree, rebuilt=True)


def override_files(ctx: RenderContext, name: str, app: HelmApp) -> list[tuple[str, Path]]:
    """(path in the chart, file) for each file the app's ``overrides`` name, in order."""
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
            found[file.relative_to(root).as_posix()] = file
    return sorted(found.items())


def _apply_removes(name: str, app: HelmApp, chart: Path) -> None:
    for index, pattern in enumerate(app.removes):
        _check_relative(f"apps.{name}.removes[{index}]", pattern)
        matches = sorted(chart.glob(pattern)) if _is_glob(pattern) else [chart / pattern]
        for match in matches:
            if match.is_dir() and not match.is_symlink():
                shutil.rmtree(match)
            elif match.exists() or match.is_symlink():
                match.unlink()


def _check_relative(where: str, pattern: str) -> None:
    if os.path.isabs(pattern) or ".." in Path(pattern).parts:
        raise RenderError(f"{where}: {pattern} must be a path inside the chart, without '..'")


def _is_glob(pattern: str) -> bool:
    return any(char in pattern for char in "*?[")


def _extend_helmignore(chart: Path) -> None:
    ignore = chart / ".helmignore"
    text = ignore.read_text(encoding="utf-8") if ignore.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    ignore.write_text(text + "\n".join(_HELMIGNORE_LINES) + "\n", encoding="utf-8")


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
    """Merge the app's values on ``cluster`` and write them (only when they changed)."""
    project = ctx.project
    layers: list[dict[str, Any]] = []
    defaults = chart / "values.yaml"
    if defaults.is_file():
        layers.append(ctx.values_files.read(defaults, f"apps.{name}: chart values.yaml"))
    layers += [ctx.values_files.read(project.resolve(rel), rel) for rel in app.values]
    layers += [ctx.values_files.read(project.resolve(rel), rel) for rel in cluster.values]
    layers.append(set_values_layer(app.set_values, f"apps.{name}.set_values"))
    layers.append(set_values_layer(cluster.set_values, f"clusters.{cluster_name}.set_values"))
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer)
    values_digest = digest.values_digest(merged)
    path = values_path(chart, cluster_name)
    header = f"{_VALUES_HEADER}{values_digest} (app {name}, cluster {cluster_name})"
    if read_first_line(path) != header:
        body = yaml.dump(merged, Dumper=_Dumper, sort_keys=True, default_flow_style=False)
        write_atomic(path, f"{header}\n{body if merged else ''}")
    return MergedValues(merged, values_digest, path)
