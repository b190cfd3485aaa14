"""Getting a project ready: validate, migrate, schema and prepare."""

from __future__ import annotations

import click

from sbkube_ci.cli import options
from sbkube_ci.cli.runtime import run, run_with_progress


@click.command()
@options.location_and_format
@click.option(
    "--online",
    is_flag=True,
    help="Also check the state store itself (S3 bucket versioning, Git remote reachable).",
)
def validate(location: options.Location, output_format: str, online: bool) -> None:
    """Check sbkube.yaml: schema, names, dependencies, repositories and files."""
    from sbkube_ci.commands import validate as validate_command

    run(validate_command.validate, *location, output_format, online=online)


@click.command()
@options.location_and_format
@click.option("--dry-run", is_flag=True, help="Print the changes as a diff; write nothing.")
def migrate(location: options.Location, output_format: str, dry_run: bool) -> None:
    """Rewrite legacy sources.yaml + config.yaml, or SBKube's older shapes, as sbkube.yaml."""
    from sbkube_ci.commands import migrate as migrate_command

    run(migrate_command.migrate, *location, dry_run=dry_run, output_format=output_format)


@click.command()
def schema() -> None:
    """Print the JSON Schema of sbkube.yaml (for editors)."""
    from sbkube_ci.commands import schema as schema_command

    run(schema_command.schema)


@click.command()
@options.location_and_format
@options.only_apps
@click.option(
    "--frozen/--no-frozen",
    default=None,
    help="Fail instead of changing sbkube.lock (default: on when CI=true).",
)
@click.option(
    "--update",
    multiple=True,
    is_flag=False,
    flag_value="*",
    metavar="[APP]",
    help="Re-resolve APP (repeatable) with the versions its clusters set (APP@CLUSTER: one "
    "of those), or every app when given without a name.",
)
@options.keep_going
def prepare(
    *,
    location: options.Location,
    output_format: str,
    apps: tuple[str, ...],
    frozen: bool | None,
    update: tuple[str, ...],
    keep_going: bool,
) -> None:
    """Resolve and fetch every app's source into the cache; write sbkube.lock."""
    from sbkube_ci.commands import prepare as prepare_command

    run_with_progress(
        prepare_command.run,
        *location,
        apps=apps,
        frozen=frozen,
        update=update,
        keep_going=keep_going,
        output_format=output_format,
    )
