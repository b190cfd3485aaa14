"""``sbkube-ci prepare``: resolve and fetch every app's source; keep ``sbkube.lock`` in step."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable
from pathlib import Path

import click

from sbkube_ci.cache import cache_root
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.lockfile import LOCK_NAME, read_lock, write_lock
from sbkube_ci.sources.base import SourceContext
from sbkube_ci.sources.prepare import LockDrift, PrepareResult, prepare_apps


def make_context(project: Project) -> SourceContext:
    """The source context of ``project``: its cache and its private ``.sbkube`` dir."""
    work_dir = project.base_dir / ".sbkube"
    return SourceContext(
        project=project,
        cache_dir=cache_root(project.base_dir),
        work_dir=work_dir,
        timeout=project.config.settings.timeout,
    )


def default_frozen() -> bool:
    """Frozen by default in CI (``CI=true``), like ``npm ci``."""
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def prepare(
    project: Project,
    names: Iterable[str] | None = None,
    *,
    frozen: bool | None = None,
    update: Collection[str] | bool = (),
    keep_going: bool = False,
    ctx: SourceContext | None = None,
) -> PrepareResult:
    """Prepare ``names`` (default: all enabled apps) against ``sbkube.lock`` and update it.

    ``frozen=None`` means: frozen in CI unless something is being updated. The lock is written
    (atomically, only when changed) unless frozen; with errors, pins of the apps that did
    succeed are still recorded.
    """
    ctx = ctx or make_context(project)
    if frozen is None:
        frozen = default_frozen() and not update
    lock_path = project.base_dir / LOCK_NAME
    result = prepare_apps(
        ctx,
        names,
        lock=read_lock(lock_path),
        frozen=frozen,
        update=update,
        keep_going=keep_going,
        max_workers=project.config.settings.max_workers,
    )
    if not frozen:
        write_lock(lock_path, result.lock)
    return result


def run(
    chdir: Path,
    file: Path | None,
    *,
    apps: tuple[str, ...],
    frozen: bool | None,
    update: tuple[str, ...],
    keep_going: bool,
    output_format: str,
) -> int:
    """The CLI verb: prints one line per app (or JSON); 0 when every app is prepared."""
    project = load_project(chdir, file)
    update_all = "*" in update
    names = sorted(set(apps) | (set() if update_all else set(update))) if apps else None
    update_set: Collection[str] | bool = True if update_all else set(update)
    try:
        result = prepare(project, names, frozen=frozen, update=update_set, keep_going=keep_going)
    except LockDrift as exc:
        for line in exc.problems:
            click.echo(f"error: {line}", err=True)
        return 1
    if output_format == "json":
        click.echo(json.dumps(_as_json(result), indent=2, sort_keys=True))
    else:
        for name in sorted(result.prepared):
            pin = result.prepared[name].pin
            how = "resolved" if name in result.resolved else "locked"
            version = f" {pin.version}" if pin.version else ""
            click.echo(f"{name}: {pin.kind} {pin.source}{version} {pin.digest[:19]} ({how})")
    for name in sorted(result.errors):
        click.echo(f"error: {result.errors[name]}", err=True)
    return 0 if result.ok else 1


def _as_json(result: PrepareResult) -> dict[str, object]:
    return {
        "ok": result.ok,
        "apps": {
            name: {**p.pin.as_dict(), "path": str(p.path), "from_lock": name not in result.resolved}
            for name, p in sorted(result.prepared.items())
        },
        "errors": dict(sorted(result.errors.items())),
    }
