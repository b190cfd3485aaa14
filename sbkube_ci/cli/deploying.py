"""Changing the clusters and checking on them: deploy, rollback and status."""

from __future__ import annotations

from pathlib import Path

import click

from sbkube_ci.cli import options
from sbkube_ci.cli.help import complete_apps
from sbkube_ci.cli.runtime import run, run_with_progress, stdout_color


@click.command()
@options.on_clusters_and_apps
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Apply exactly this reviewed plan, relative to -C (refused if the file is missing "
    "or the state or the render moved).",
)
@click.option("--dry-run", is_flag=True, help="Server-side dry run; nothing is stored.")
@click.option(
    "--force",
    is_flag=True,
    help="Also re-apply apps whose render is unchanged but whose live objects drifted "
    "(what `status` reports).",
)
@click.option(
    "--max-clusters",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Clusters deployed at the same time.",
)
@click.option(
    "--lock-held",
    is_flag=True,
    help="Deploy under the lock you took with `lock acquire` (left held for `lock release`).",
)
def deploy(
    *,
    location: options.Location,
    output_format: str,
    clusters: tuple[str, ...],
    apps: tuple[str, ...],
    plan_path: Path | None,
    dry_run: bool,
    force: bool,
    max_clusters: int,
    lock_held: bool,
) -> None:
    """Apply what changed (or the reviewed plan) under each cluster's lock, and record it."""
    from sbkube_ci.commands import deploy as deploy_command

    request = deploy_command.DeployRequest(
        clusters, apps, plan_path, dry_run, max_clusters, force=force, lock_held=lock_held
    )
    run_with_progress(deploy_command.deploy, *location, request, output_format=output_format)


@click.command()
@options.on_target_cluster
@click.argument("app", shell_complete=complete_apps)
@click.option("--to", "to_revision", type=click.IntRange(min=1), help="Revision to return to.")
@click.option("--deployment", help="Return to what this deployment (history id) applied.")
@click.option("--list", "list_only", is_flag=True, help="List the revisions available.")
def rollback(
    *,
    location: options.Location,
    output_format: str,
    app: str,
    cluster: str | None,
    to_revision: int | None,
    deployment: str | None,
    list_only: bool,
) -> None:
    """Re-apply an earlier revision of APP (default: the one before the current one)."""
    from sbkube_ci.commands import rollback as rollback_command

    target = rollback_command.Target(to_revision, deployment)
    run(
        rollback_command.rollback,
        *location,
        app,
        cluster,
        target,
        list_only=list_only,
        output_format=output_format,
    )


@click.command()
@options.location_and_format
@options.only_clusters
def status(*, location: options.Location, output_format: str, clusters: tuple[str, ...]) -> None:
    """Compare the live cluster with what was deployed; exit 2 when drift is found."""
    from sbkube_ci.commands import status as status_command

    run(
        status_command.status,
        *location,
        clusters,
        output_format=output_format,
        color=stdout_color(),
    )
