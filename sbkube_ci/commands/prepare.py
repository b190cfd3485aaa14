"""``sbkube-ci prepare``: resolve and fetch every app's source; keep ``sbkube.lock`` in step."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import click

from sbkube_ci.config.loader import load_project
from sbkube_ci.config.models import app_of
from sbkube_ci.progress import Progress
from sbkube_ci.sources.prepare import LockDrift, PrepareResult
from sbkube_ci.sources.project import default_frozen, make_context
from sbkube_ci.sources.project import prepare_project as prepare

__all__ = ["default_frozen", "make_context", "prepare", "run"]


def run(
    chdir: Path,
    file: Path | None,
    *,
    apps: tuple[str, ...],
    frozen: bool | None,
    update: tuple[str, ...],
    keep_going: bool,
    output_format: str,
    progress: Progress | None = None,
) -> int:
    """The CLI verb: prints one line per app (or JSON); 0 when every app is prepared."""
    project = load_project(chdir, file)
    for warning in project.warnings:  # e.g. a repository taken from `helm repo add`
        click.echo(str(warning), err=True)
    ctx = make_context(project)
    if progress is not None:
        ctx.progress = progress
    update_all = "*" in update
    updated = set() if update_all else {app_of(key) for key in update}  # APP or APP@CLUSTER
    names = sorted(set(apps) | updated) if apps else None
    update_set: Collection[str] | bool = True if update_all else set(update)
    try:
        result = prepare(
            project, names, frozen=frozen, update=update_set, keep_going=keep_going, ctx=ctx
        )
    except LockDrift as exc:
        for line in exc.problems:
            click.echo(f"error: {line}", err=True)
        return 1
    finally:
        if progress is not None:
            progress.close()
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
