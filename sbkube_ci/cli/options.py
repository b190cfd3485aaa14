"""The options more than one command takes, each defined once with one help text.

-C/--chdir, -f/--file and --format read ``SBKUBE_CHDIR``, ``SBKUBE_FILE`` and
``SBKUBE_FORMAT``; every other option reads ``SBKUBE_<COMMAND>_<OPTION>`` (the root
group's ``auto_envvar_prefix``), so an option's name is part of the interface.

The stacks that several commands open with are bundled at the end, one decorator each.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import click
from click.decorators import FC

from sbkube_ci.cli.help import complete_apps, complete_clusters

R = TypeVar("R")


class Location(NamedTuple):
    """Where the project is; unpacks as the ``chdir, file`` every ``commands`` verb takes."""

    chdir: Path
    file: Path | None


_chdir = click.option(
    "-C",
    "--chdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    envvar="SBKUBE_CHDIR",
    help="Work in DIR (where sbkube.yaml lives).",
)
_file = click.option(
    "-f",
    "--file",
    type=click.Path(path_type=Path),
    envvar="SBKUBE_FILE",
    help="Config file (default: DIR/sbkube.yaml, else legacy config.yaml + sources.yaml).",
)


def pass_location(func: Callable[..., R]) -> Callable[..., R]:
    """-C/--chdir and -f/--file, handed to the command as one ``location: Location``.

    Shell completion reads them back by their names ``chdir`` and ``file`` (``help._names``).
    """

    @functools.wraps(func)
    def with_location(*args: Any, chdir: Path, file: Path | None, **kwargs: Any) -> R:
        return func(*args, location=Location(chdir, file), **kwargs)

    return _chdir(_file(with_location))


def _format(choices: Sequence[str], help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        envvar="SBKUBE_FORMAT",
        show_default=True,
        help=help_text,
    )


output_format = _format(["text", "json"], "Output for humans or machines.")
#: history's own: a table by default, markdown for job summaries
history_format = _format(
    ["table", "text", "json", "markdown"], "table (text is the same), json or markdown."
)

only_apps = click.option(
    "--app",
    "apps",
    shell_complete=complete_apps,
    multiple=True,
    help="Only this app (repeatable; default: every app).",
)
only_clusters = click.option(
    "--cluster",
    "clusters",
    shell_complete=complete_clusters,
    multiple=True,
    help="Only this cluster (repeatable; default: every cluster).",
)


def _one_cluster(help_text: str) -> Callable[[FC], FC]:
    return click.option("--cluster", shell_complete=complete_clusters, help=help_text)


#: a filter of commands that show one cluster or all of them
only_cluster = _one_cluster("Only this cluster (default: every cluster).")
#: the cluster a command acts on (lock, rollback)
target_cluster = _one_cluster("Cluster name from sbkube.yaml (default: the only one).")
keep_going = click.option(
    "--keep-going",
    is_flag=True,
    help="Go on with the other apps after a failure (the exit code is still 1).",
)


# The stacks several commands open with, each in the order --help lists its options.


def location_and_format(func: Callable[..., R]) -> Callable[..., R]:
    """-C, -f and --format: every command with a text/json report (history has its own)."""
    return pass_location(output_format(func))


def on_target_cluster(func: Callable[..., R]) -> Callable[..., R]:
    """Location, format and the one cluster acted on: lock status, lock acquire, rollback."""
    return location_and_format(target_cluster(func))


def on_only_cluster(func: Callable[..., R]) -> Callable[..., R]:
    """Location, format and an optional one-cluster filter: state show, state seal."""
    return location_and_format(only_cluster(func))


def on_clusters_and_apps(func: Callable[..., R]) -> Callable[..., R]:
    """Location, format, then the cluster and app filters: plan, deploy."""
    return location_and_format(only_clusters(only_apps(func)))
