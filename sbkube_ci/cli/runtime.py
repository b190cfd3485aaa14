"""What the command modules share at run time: the group class, the terminal, the exit.

Each command body imports its ``sbkube_ci.commands`` module and hands the function to
``run`` (or ``run_with_progress``, for the ones that draw progress): the CLI parses options,
``commands`` does the work and returns the exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from sbkube_ci.progress import Progress, progress_for
from sbkube_ci.terminal import color_enabled


class InOrderGroup(click.Group):
    """Lists its commands in the order they were added (a user's day), not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@dataclass(frozen=True)
class Session:
    """The root group's settings for the whole run, kept as ``ctx.obj``."""

    color: str = "auto"


def run(command: Callable[..., int], /, *args: Any, **kwargs: Any) -> NoReturn:
    """Call a ``commands`` function and exit with the code it returns."""
    sys.exit(command(*args, **kwargs))


def run_with_progress(command: Callable[..., int], /, *args: Any, **kwargs: Any) -> NoReturn:
    """``run``, handing the command a progress display on stderr as ``progress=``.

    The display is closed here, where it is made, whatever happens: so the error line of a
    failure is not drawn over.
    """
    progress = progress_display()
    try:
        code = command(*args, progress=progress, **kwargs)
    finally:
        progress.close()
    sys.exit(code)


def stdout_color() -> bool:
    """Whether the running command colours what it prints on stdout (``--color``)."""
    return color_enabled(_color_mode(), sys.stdout)


def progress_display() -> Progress:
    """The progress reporter on stderr for the running command."""
    return progress_for(sys.stderr, color=color_enabled(_color_mode(), sys.stderr))


def _color_mode() -> str:
    ctx = click.get_current_context(silent=True)
    session = ctx.find_object(Session) if ctx else None
    return session.color if session else "auto"
