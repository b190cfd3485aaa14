"""Looking after the tool itself: the cache, notifications and the CI entrypoint."""

from __future__ import annotations

import os
from pathlib import Path

import click

from sbkube_ci.cli import options
from sbkube_ci.cli.runtime import InOrderGroup, run


@click.group(cls=InOrderGroup)
def cache() -> None:
    """Manage the content-addressed cache (.sbkube/cache or $SBKUBE_CACHE_DIR)."""


@cache.command()
@options.location_and_format
@click.option("--max-age", default="30d", show_default=True, help="Remove entries unused longer.")
@click.option("--all", "everything", is_flag=True, help="Remove every entry.")
def prune(location: options.Location, output_format: str, max_age: str, everything: bool) -> None:
    """Remove cache entries not used recently (.sbkube/cache or $SBKUBE_CACHE_DIR)."""
    from sbkube_ci.commands import cache as cache_command

    run(
        cache_command.prune,
        *location,
        max_age=max_age,
        everything=everything,
        output_format=output_format,
    )


@click.group(cls=InOrderGroup)
def notify() -> None:
    """Chat and webhook notifications (Slack, Discord, generic webhook)."""


@notify.command("test")
@options.location_and_format
@click.option(
    "--notifier", metavar="NAME", help="Only this notifier (a key under notify:); default: all."
)
def notify_test(location: options.Location, output_format: str, notifier: str | None) -> None:
    """Send a sample message to check the set-up; exit 1 if a delivery fails."""
    from sbkube_ci.commands import notify as notify_command

    run(notify_command.send_sample, *location, notifier, output_format)


@click.command()
@options.pass_location
def ci(location: options.Location) -> None:
    """Container entrypoint of the GitHub Action / GitLab template; reads INPUT_* variables.

    -C and -f stand in for the working-directory and config inputs when those are not set,
    so the entrypoint can be tried from a shell.
    """
    from sbkube_ci.ci.inputs import get_input

    environ = dict(os.environ)
    if not get_input(environ, "working-directory") and location.chdir != Path():
        environ["INPUT_WORKING_DIRECTORY"] = str(location.chdir)
    if not get_input(environ, "config") and location.file is not None:
        environ["INPUT_CONFIG"] = str(location.file)
    from sbkube_ci.commands import ci as ci_command

    run(ci_command.run_ci, environ)
