"""Reviewing a change before it is deployed: plan."""

from __future__ import annotations

from pathlib import Path

import click

from sbkube_ci.cli import options
from sbkube_ci.cli.runtime import run_with_progress, stdout_color


@click.command()
@options.on_clusters_and_apps
@click.option("--live", is_flag=True, help="Diff against the cluster (server-side dry run).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write plan.json (plan.md goes beside it), relative to -C; "
    "default .sbkube/plan.json.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when a check (schema, removed API, rule) reports an error.",
)
def plan(
    *,
    location: options.Location,
    output_format: str,
    clusters: tuple[str, ...],
    apps: tuple[str, ...],
    live: bool,
    out: Path | None,
    strict: bool,
) -> None:
    """Show what a deploy would change, per cluster and app; exit 2 when something changes."""
    from sbkube_ci.commands import plan as plan_command

    run_with_progress(
        plan_command.plan,
        *location,
        clusters=clusters,
        apps=apps,
        live=live,
        out=out,
        output_format=output_format,
        color=stdout_color(),
        strict=strict,
    )
