"""``sbkube-ci validate``: schema and semantic checks, every problem in one run.

Text output is one line per problem (``FILE:LINE:COL: path: message``) and a summary line;
``--format json`` prints one JSON document (see ``docs/config.md``). Exit 0 when there are no
errors (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from sbkube_ci._yaml import Location, display_path
from sbkube_ci.config.loader import Project, check_document, read_document
from sbkube_ci.config.models import Config
from sbkube_ci.config.problems import Problem
from sbkube_ci.errors import ConfigError, YamlError
from sbkube_ci.state import state_warnings

_FIELD = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")
_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$")


def validate(chdir: Path, file: Path | None, output_format: str, *, online: bool = False) -> int:
    """Check the configuration; print each problem as one line; 0 when there are no errors.

    The state backend's own checks run too; with ``online`` they may contact the store (S3
    bucket versioning, Git remote reachable), otherwise nothing leaves the machine.
    """
    try:
        doc, base_dir, files = read_document(chdir, file)
    except ConfigError as exc:
        if output_format != "json" and not isinstance(exc, YamlError):
            raise  # nothing to check (no config found): the CLI prints it as one error line
        return _report([_yaml_problem(str(exc))], output_format, files=[], config=None)
    config, problems = check_document(doc, base_dir)
    if config is not None:
        project = Project(config, base_dir, doc, files)
        where = doc.locate(("state",), key=True)
        for warning in state_warnings(project, online=online):
            path, _, message = warning.partition(": ") if _FIELD.match(warning) else ("", "", "")
            problems.append(Problem(where, path or "state", message or warning, "warning"))
    return _report(problems, output_format, files=files, config=config)


def _yaml_problem(line: str) -> Problem:
    """A ``YamlError`` line as a problem, so that JSON output has the same shape."""
    match = _LOCATED.match(line)
    if match:
        where = Location(match["file"], int(match["line"]), int(match["column"]))
        return Problem(where, "", match["message"])
    file, _, message = line.partition(": ")
    return Problem(Location(file, 1, 1), "", message or line)


def _report(
    problems: list[Problem], output_format: str, *, files: list[Path], config: Config | None
) -> int:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    ok = config is not None and errors == 0
    apps = len(config.apps) if config is not None else 0
    shown = [display_path(f) for f in files]
    if output_format == "json":
        document: dict[str, Any] = {
            "ok": ok,
            "files": shown,
            "apps": apps,
            "errors": errors,
            "warnings": warnings,
            "problems": [p.as_dict() for p in problems],
        }
        click.echo(json.dumps(document, indent=2))
        return 0 if ok else 1
    for problem in problems:
        click.echo(str(problem))
    if not ok:
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
        return 1
    source = shown[0] if len(shown) == 1 else f"{shown[0]} and {len(shown) - 1} more file(s)"
    suffix = f", {warnings} warning(s)" if warnings else ""
    click.echo(f"ok: {source}: {apps} app(s){suffix}")
    return 0
