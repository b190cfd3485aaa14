"""The render stages: build, then template."""

from __future__ import annotations

from collections.abc import Callable

import click

from sbkube_ci.cli import options
from sbkube_ci.cli.runtime import run, run_with_progress

_max_workers = click.option(
    "--max-workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Parallel renders (default: settings.max_workers, else the CPU count).",
)


def _render_options(func: Callable[..., None]) -> Callable[..., None]:
    """Where, what and how to render: the options build and template share, in --help order."""
    func = options.keep_going(_max_workers(func))
    func = options.only_apps(options.only_clusters(func))
    return options.location_and_format(func)


@click.command()
@_render_options
def build(
    *,
    location: options.Location,
    output_format: str,
    apps: tuple[str, ...],
    clusters: tuple[str, ...],
    keep_going: bool,
    max_workers: int | None,
) -> None:
    """Copy charts to .sbkube/build/ with overrides, removes and merged values."""
    from sbkube_ci.commands import build as build_command

    run(
        build_command.build,
        *location,
        output_format,
        apps=apps,
        clusters=clusters,
        keep_going=keep_going,
        max_workers=max_workers,
    )


@click.command()
@_render_options
@click.option(
    "--changed-since",
    metavar="GIT_REF",
    default=None,
    help="Only apps whose inputs changed since GIT_REF, and the apps depending on them.",
)
def template(
    *,
    location: options.Location,
    output_format: str,
    apps: tuple[str, ...],
    clusters: tuple[str, ...],
    keep_going: bool,
    max_workers: int | None,
    changed_since: str | None,
) -> None:
    """Render apps to .sbkube/rendered/<cluster>/<app>.yaml (cached by input digest)."""
    from sbkube_ci.commands import template as template_command

    run_with_progress(
        template_command.template,
        *location,
        output_format,
        clusters=clusters,
        apps=apps,
        changed_since=changed_since,
        keep_going=keep_going,
        max_workers=max_workers,
    )
