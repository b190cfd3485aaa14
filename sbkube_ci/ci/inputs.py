"""The action's inputs as the container sees them: ``INPUT_<NAME>`` environment variables.

GitHub upper-cases input names and keeps hyphens (``working-directory`` arrives as
``INPUT_WORKING-DIRECTORY``); the GitLab template sets the underscore form. Both are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sbkube_ci.errors import CIError
from sbkube_ci.workdir import RELATIVE

#: every verb the ci entrypoint runs (``commands.ci.COMMANDS``; action.yml lists the same)
KNOWN_COMMANDS = (
    "validate",
    "template",
    "plan",
    "deploy",
    "rollback",
    "status",
    "history",
)
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


@dataclass(frozen=True)
class Inputs:
    """What the workflow asked for; defaults match action.yml."""

    command: str = "plan"
    config: str = ""
    clusters: tuple[str, ...] = ()
    working_directory: str = "."
    plan_path: str = str(RELATIVE.plan)
    comment: bool = True
    junit_path: str = ""
    live: bool = False
    strict: bool = False  # plan: a check error fails the job
    debug: bool = False
    app: str = ""  # rollback: the app to roll back
    to: str = ""  # rollback: the revision to go back to (r3 or 3); empty for the previous one


def get_input(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """``INPUT_<NAME>`` with hyphens kept (GitHub) or turned into underscores; trimmed."""
    upper = name.upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        value = environ.get(key)
        if value is not None and value.strip():
            return value.strip()
    return default


def get_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean input as actions/toolkit reads it: true/True/TRUE or false/False/FALSE."""
    value = get_input(environ, name)
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CIError(f"input {name}: {value!r} is not a boolean; use true or false")


def read_inputs(environ: Mapping[str, str]) -> Inputs:
    """All inputs, checked: an unknown command or a bad boolean is a one-line error."""
    command = get_input(environ, "command", "plan").lower()
    if command not in KNOWN_COMMANDS:
        raise CIError(
            f"input command: {command!r} is not a sbkube-ci command; use one of: "
            + ", ".join(KNOWN_COMMANDS)
        )
    clusters = tuple(c.strip() for c in get_input(environ, "cluster").split(",") if c.strip())
    return Inputs(
        command=command,
        config=get_input(environ, "config"),
        clusters=clusters,
        working_directory=get_input(environ, "working-directory", "."),
        plan_path=get_input(environ, "plan-path", str(RELATIVE.plan)),
        comment=get_bool(environ, "comment", True),
        junit_path=get_input(environ, "junit-path"),
        live=get_bool(environ, "live", False),
        strict=get_bool(environ, "strict", False),
        debug=get_bool(environ, "debug", False),
        app=get_input(environ, "app"),
        to=get_input(environ, "to"),
    )
