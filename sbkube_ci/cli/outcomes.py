"""How a run ends: every exception becomes the documented message and exit code."""

from __future__ import annotations

import os
import traceback

import click

from sbkube_ci.cli import exit_codes
from sbkube_ci.errors import ConfigProblems, SbkubeError


def debug_requested(argv: list[str]) -> bool:
    """``--debug``, its environment form, or the GitHub Action / GitLab template input.

    Read from the command line itself: a usage error leaves no parsed options to ask.
    """
    flags = (os.environ.get(name, "").strip().lower() for name in ("SBKUBE_DEBUG", "INPUT_DEBUG"))
    return "--debug" in argv or any(flag in {"1", "true", "yes", "on"} for flag in flags)


def exit_code_for(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as the CLI contract says and return the exit code."""
    if isinstance(exc, KeyboardInterrupt | click.exceptions.Abort):
        click.echo("interrupted", err=True)
        return exit_codes.INTERRUPTED
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
    return exit_codes.INTERNAL


def _click_error(exc: click.ClickException) -> int:
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and exc.ctx:
        click.echo(exc.ctx.get_help())
        return exit_codes.OK
    hint = ""
    if isinstance(exc, click.UsageError) and exc.ctx:
        hint = f"; see {exc.ctx.command_path} --help"
    click.echo(f"error: {exc.format_message().rstrip('.')}{hint}", err=True)
    return exit_codes.ERROR


def _print_error(exc: SbkubeError) -> None:
    if isinstance(exc, ConfigProblems):
        for line in exc.problems:
            click.echo(line, err=True)
        click.echo(f"{len(exc.problems)} error(s) in the configuration", err=True)
    else:
        click.echo(f"error: {exc}", err=True)
