"""What the state backend keeps: history, the deploy lock and the state itself."""

from __future__ import annotations

import click

from sbkube_ci.cli import options
from sbkube_ci.cli.help import complete_apps
from sbkube_ci.cli.runtime import InOrderGroup, run, run_with_progress


@click.command()
@options.pass_location
@options.only_cluster
@click.option("--app", shell_complete=complete_apps, help="Only deployments that touched this app.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@options.history_format
def history(
    *,
    location: options.Location,
    cluster: str | None,
    app: str | None,
    limit: int,
    output_format: str,
) -> None:
    """Show deployments, rollbacks and lock take-overs, newest first."""
    from sbkube_ci.commands import history as history_command

    run(
        history_command.history,
        *location,
        cluster=cluster,
        app=app,
        limit=limit,
        output_format=output_format,
    )


@click.group(cls=InOrderGroup)
def lock() -> None:
    """Inspect, take and release the per-cluster deploy lock."""


@lock.command("status")
@options.on_target_cluster
def lock_status(location: options.Location, output_format: str, cluster: str | None) -> None:
    """Who holds the cluster lock, and until when."""
    from sbkube_ci.commands import lock as lock_command

    run(lock_command.status, *location, cluster, output_format)


@lock.command("acquire")
@options.on_target_cluster
@click.option("--reason", default="", help="Shown to whoever waits for the lock.")
@click.option(
    "--wait", help="How long to wait for a held lock (0: fail at once; default lock.wait)."
)
@click.option("--lease", help="How long the lock lasts unless released (default lock.lease).")
def lock_acquire(
    *,
    location: options.Location,
    output_format: str,
    cluster: str | None,
    reason: str,
    wait: str | None,
    lease: str | None,
) -> None:
    """Take the cluster lock; it stays held until `lock release` or the lease ends."""
    from sbkube_ci.commands import lock as lock_command

    run_with_progress(
        lock_command.acquire,
        *location,
        cluster,
        reason=reason,
        wait=wait,
        lease=lease,
        output_format=output_format,
    )


@lock.command("release")
@options.pass_location
@options.target_cluster
@click.option("--force", is_flag=True, help="Break someone else's lock (recorded in history).")
@click.option("--reason", default="", help="Why the lock is broken (recorded in history).")
def lock_release(location: options.Location, cluster: str | None, force: bool, reason: str) -> None:
    """Release the lock this job took, or break any lock with --force."""
    from sbkube_ci.commands import lock as lock_command

    run(lock_command.release, *location, cluster, force=force, reason=reason)


@click.group(cls=InOrderGroup)
def state() -> None:
    """Read the deploy state kept by the state backend, or move it to another backend."""


@state.command("show")
@options.on_only_cluster
def state_show(location: options.Location, output_format: str, cluster: str | None) -> None:
    """Print what is deployed on each cluster (or one, with --cluster)."""
    from sbkube_ci.commands import state as state_command

    run(state_command.show, *location, cluster, output_format)


@state.command("seal")
@options.on_only_cluster
def state_seal(location: options.Location, output_format: str, cluster: str | None) -> None:
    """Re-store snapshots that hold Secret values in clear, or are sealed for an old key."""
    from sbkube_ci.commands import state as state_command

    run(state_command.seal, *location, cluster, output_format)


@state.command("migrate")
@options.pass_location
@click.option(
    "--to",
    "target",
    type=click.Choice(["git", "s3", "local"]),
    required=True,
    help="The backend to copy to; its settings are state.<backend> in sbkube.yaml.",
)
def state_migrate(location: options.Location, target: str) -> None:
    """Copy state, history and snapshots to another backend (then switch state.backend)."""
    from sbkube_ci.commands import state as state_command

    run(state_command.migrate, *location, target)
