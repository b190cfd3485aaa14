"""The command line: thin; parses options, calls ``commands.*``, maps errors to exit codes.

Exit codes: 0 ok, 1 error, 2 changes present (plan) or drift (status), 3 internal error,
130 interrupted. Every option can also come from the environment: the common ones as
``SBKUBE_CHDIR``, ``SBKUBE_FILE``, ``SBKUBE_FORMAT``, ``SBKUBE_DEBUG``; the others as
``SBKUBE_<COMMAND>_<OPTION>`` (click's ``auto_envvar_prefix``).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sbkube_ci import __version__
from sbkube_ci.commands import build as build_command
from sbkube_ci.commands import cache as cache_command
from sbkube_ci.commands import schema as schema_command
from sbkube_ci.commands import template as template_command
from sbkube_ci.commands import validate as validate_command
from sbkube_ci.errors import ConfigProblems, SbkubeError

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """-C/--chdir, -f/--file and --format, accepted by every subcommand."""
    func = click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        envvar="SBKUBE_FORMAT",
        show_default=True,
        help="Output for humans or machines.",
    )(func)
    func = click.option(
        "-f",
        "--file",
        type=click.Path(path_type=Path),
        envvar="SBKUBE_FILE",
        help="Config file (default: DIR/sbkube.yaml, else legacy config.yaml + sources.yaml).",
    )(func)
    return click.option(
        "-C",
        "--chdir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(),
        envvar="SBKUBE_CHDIR",
        help="Work in DIR (where sbkube.yaml lives).",
    )(func)


@click.group(
    context_settings={"auto_envvar_prefix": "SBKUBE", "help_option_names": ["-h", "--help"]}
)
@click.option("--debug", is_flag=True, envvar="SBKUBE_DEBUG", help="Show tracebacks.")
@click.version_option(__version__, prog_name="sbkube-ci")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """sbkube-ci: prepare, build, template and deploy SBKube apps from CI."""
    ctx.obj = {"debug": debug}


@cli.command()
@common_options
def validate(chdir: Path, file: Path | None, output_format: str) -> None:
    """Check sbkube.yaml: schema, names, dependencies, repositories and files."""
    sys.exit(validate_command.validate(chdir, file, output_format))


@cli.command()
@common_options
def schema(chdir: Path, file: Path | None, output_format: str) -> None:
    """Print the JSON Schema of sbkube.yaml (for editors)."""
    sys.exit(schema_command.schema())


def selection_options(func: F) -> F:
    """--app, --cluster, --keep-going and --max-workers, shared by build and template."""
    func = click.option(
        "--max-workers",
        type=click.IntRange(1, 256),
        default=None,
        help="Parallel renders (default: settings.max_workers, else the CPU count).",
    )(func)
    func = click.option(
        "--keep-going",
        is_flag=True,
        help="Render the other apps after a failure (the exit code is still 1).",
    )(func)
    func = click.option(
        "--cluster",
        "clusters",
        multiple=True,
        help="Only this cluster (repeatable; default: every cluster).",
    )(func)
    return click.option(
        "--app", "apps", multiple=True, help="Only this app (repeatable; default: every app)."
    )(func)


@cli.command()
@common_options
@selection_options
def build(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    apps: tuple[str, ...],
    clusters: tuple[str, ...],
    keep_going: bool,
    max_workers: int | None,
) -> None:
    """Copy charts to .sbkube/build/ with overrides, removes and merged values."""
    sys.exit(
        build_command.build(
            chdir,
            file,
            output_format,
            apps=apps,
            clusters=clusters,
            keep_going=keep_going,
            max_workers=max_workers,
        )
    )


@cli.command()
@common_options
@selection_options
@click.option(
    "--changed-since",
    metavar="GIT_REF",
    default=None,
    help="Only apps whose inputs changed since GIT_REF, and the apps depending on them.",
)
def template(
    *,
    chdir: Path,
    file: Path | None,
    output_format: str,
    apps: tuple[str, ...],
    clusters: tuple[str, ...],
    keep_going: bool,
    max_workers: int | None,
    changed_since: str | None,
) -> None:
    """Render apps to .sbkube/rendered/<cluster>/<app>.yaml (cached by input digest)."""
    sys.exit(
        template_command.template(
            chdir,
            file,
            output_format,
            clusters=clusters,
            apps=apps,
            changed_since=changed_since,
            keep_going=keep_going,
            max_workers=max_workers,
        )
    )


@cli.group()
def cache() -> None:
    """Manage the content-addressed cache (.sbkube/cache or $SBKUBE_CACHE_DIR)."""


@cache.command()
@click.option(
    "-C",
    "--chdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    envvar="SBKUBE_CHDIR",
    help="The project directory (where .sbkube/ lives).",
)
@click.option("--max-age", default="30d", show_default=True, help="Remove entries unused longer.")
@click.option("--all", "everything", is_flag=True, help="Remove every entry.")
def prune(chdir: Path, max_age: str, everything: bool) -> None:
    """Remove cache entries not used recently."""
    sys.exit(cache_command.prune(chdir, max_age=max_age, everything=everything))


def _print_error(exc: SbkubeError) -> None:
    if isinstance(exc, ConfigProblems):
        for line in exc.problems:
            click.echo(line, err=True)
        click.echo(
            f"{len(exc.problems)} error(s) in the configuration; run sbkube-ci validate", err=True
        )
    else:
        click.echo(f"error: {exc}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sbkube-ci`` console script."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, standalone_mode=False)
    except SbkubeError as exc:
        if debug:
            traceback.print_exc()
        _print_error(exc)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}; rerun with --debug for the traceback",
            err=True,
        )
        sys.exit(3)
