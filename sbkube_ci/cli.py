"""The command line: thin; parses options, calls ``commands.*``, maps errors to exit codes.

Exit codes: 0 ok, 1 error, 2 changes present (plan) or drift (status), 3 internal error,
130 interrupted. Every option can also come from the environment: the common ones as
``SBKUBE_CHDIR``, ``SBKUBE_FILE``, ``SBKUBE_FORMAT``, ``SBKUBE_DEBUG``; the others as
``SBKUBE_<COMMAND>_<OPTION>`` (click's ``auto_envvar_prefix``).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from sbkube_ci import __version__
from sbkube_ci.commands import schema as schema_command
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


class _Cli(click.Group):
    """The root group; its ``main`` maps every outcome to the documented exit codes.

    Done here rather than in a wrapper function so that click's test runner exercises it too.
    """

    def main(  # type: ignore[override]
        self, args: list[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        extra.pop("standalone_mode", None)
        try:
            code = super().main(argv, "sbkube-ci", standalone_mode=False, **extra)
        except SystemExit:
            raise
        except BaseException as exc:  # every outcome gets its exit code, bugs too
            code = _handle(exc, debug=_debug_requested(argv))
        sys.exit(code if isinstance(code, int) else 0)


def _debug_requested(argv: list[str]) -> bool:
    flag = os.environ.get("SBKUBE_DEBUG", "").strip().lower()
    return "--debug" in argv or flag in {"1", "true", "yes", "on"}


def _click_error(exc: click.ClickException) -> int:
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and exc.ctx:
        click.echo(exc.ctx.get_help())
        return 0
    hint = ""
    if isinstance(exc, click.UsageError) and exc.ctx:
        hint = f"; see {exc.ctx.command_path} --help"
    click.echo(f"error: {exc.format_message().rstrip('.')}{hint}", err=True)
    return 1


def _handle(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as the CLI contract says and return the exit code."""
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        click.echo("interrupted", err=True)
        return 130
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        return _click_error(exc)
    if debug:
        traceback.print_exception(exc)
    if isinstance(exc, SbkubeError):
        _print_error(exc)
        return exc.exit_code
    first_line = (str(exc).strip().splitlines() or [""])[0]
    click.echo(
        f"internal error: {type(exc).__name__}: {first_line}; rerun with --debug for the traceback",
        err=True,
    )
    return 3


@click.group(
    cls=_Cli,
    context_settings={"auto_envvar_prefix": "SBKUBE", "help_option_names": ["-h", "--help"]},
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


def _print_error(exc: SbkubeError) -> None:
    if isinstance(exc, ConfigProblems):
        for line in exc.problems:
            click.echo(line, err=True)
        click.echo(f"{len(exc.problems)} error(s) in the configuration", err=True)
    else:
        click.echo(f"error: {exc}", err=True)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``sbkube-ci`` console script."""
    cli.main(args=argv)
