"""``sbkube-ci build``: charts copied to ``.sbkube/build/<app>/`` with overrides, removes and
the merged values of every cluster."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sbkube_ci.config.loader import load_project
from sbkube_ci.render import build_project


def build(
    chdir: Path,
    file: Path | None,
    output_format: str,
    *,
    apps: tuple[str, ...] = (),
    clusters: tuple[str, ...] = (),
    keep_going: bool = False,
    max_workers: int | None = None,
) -> int:
    """Prepare and build the selected apps; 1 when any failed."""
    project = load_project(chdir, file)
    result = build_project(
        project,
        apps=list(apps) or None,
        clusters=list(clusters) or None,
        keep_going=keep_going,
        max_workers=max_workers,
    )
    charts = {
        name: item.built for name, item in sorted(result.inputs.items()) if item.built is not None
    }
    if output_format == "json":
        document = {
            "ok": not result.errors,
            "charts": [
                {
                    "app": name,
                    "path": str(built.path),
                    "tree_digest": built.tree_digest,
                    "rebuilt": built.rebuilt,
                }
                for name, built in charts.items()
            ],
            "errors": [{"app": f.app, "message": f.message} for f in result.errors],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        for name, built in charts.items():
            how = "built" if built.rebuilt else "unchanged"
            click.echo(f"{name}: {how} {built.path.relative_to(project.base_dir).as_posix()}")
        for failure in result.errors:
            click.echo(f"error: {failure.message}", err=True)
    return 1 if result.errors else 0
