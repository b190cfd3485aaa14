"""The command line: thin; parses options, calls ``commands.*``, maps errors to exit codes.

Each command imports its ``commands`` module when it runs, so a command pays only for the
libraries it uses (the Kubernetes client alone takes about half a second to import), and
``sbkube-ci --help`` imports none of them.

Exit codes (``exit_codes``): 0 ok, 1 error, 2 changes present (plan) or drift (status),
3 internal error, 130 interrupted. Every option can also come from the environment: the
common ones as ``SBKUBE_CHDIR``, ``SBKUBE_FILE``, ``SBKUBE_FORMAT``, ``SBKUBE_DEBUG``; the
others as ``SBKUBE_<COMMAND>_<OPTION>`` (click's ``auto_envvar_prefix``).
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from sbkube_ci import __version__
from sbkube_ci.cli import admin, deploying, exit_codes, review, setup, stages, state
from sbkube_ci.cli.help import add_examples
from sbkube_ci.cli.outcomes import debug_requested, exit_code_for
from sbkube_ci.cli.runtime import InOrderGroup, Session
from sbkube_ci.terminal import COLOR_MODES


class _Cli(InOrderGroup):
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
            code = exit_code_for(exc, debug=debug_requested(argv))
        sys.exit(code if isinstance(code, int) else exit_codes.OK)


@click.group(
    cls=_Cli,
    context_settings={"auto_envvar_prefix": "SBKUBE", "help_option_names": ["-h", "--help"]},
)
# read by _Cli.main from the command line: a traceback is wanted for failures to parse too
@click.option(
    "--debug", is_flag=True, envvar="SBKUBE_DEBUG", expose_value=False, help="Show tracebacks."
)
@click.option(
    "--color",
    type=click.Choice(COLOR_MODES),
    default="auto",
    envvar="SBKUBE_COLOR",
    show_default=True,
    help="Colour diffs and progress: auto colours a terminal unless NO_COLOR is set.",
)
@click.version_option(__version__, prog_name="sbkube-ci")
@click.pass_context
def cli(ctx: click.Context, color: str) -> None:
    """sbkube-ci: prepare, build, template and deploy SBKube apps from CI."""
    ctx.obj = Session(color=color)


# in the order of a user's day, which is the order --help lists them in
for _command in (
    setup.validate,
    setup.migrate,
    setup.schema,
    setup.prepare,
    stages.build,
    stages.template,
    review.plan,
    deploying.deploy,
    deploying.rollback,
    deploying.status,
    state.history,
    state.lock,
    state.state,
    admin.cache,
    admin.notify,
    admin.ci,
):
    cli.add_command(_command)
add_examples(cli)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``sbkube-ci`` console script."""
    cli.main(args=argv)
