"""``sbkube-ci validate``: schema and semantic checks, every problem in one run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sbkube_ci.config.loader import check_document, read_document
from sbkube_ci.config.problems import Problem
from sbkube_ci.errors import YamlError


def validate(chdir: Path, file: Path | None, output_format: str) -> int:
    """Check the configuration; print each problem as one line; 0 when there are no errors."""
    try:
        doc, base_dir, files = read_document(chdir, file)
    except YamlError as exc:
        return _report([], [str(exc)], output_format, files=[])
    config, problems = check_document(doc, base_dir)
    lines = [str(p) for p in problems]
    ok = config is not None and not any(p.severity == "error" for p in problems)
    if output_format == "json":
        return _report(problems, [], output_format, files=files, ok=ok, apps=_count(config))
    for line in lines:
        click.echo(line, err=True)
    if ok:
        warnings = sum(p.severity == "warning" for p in problems)
        suffix = f", {warnings} warning(s)" if warnings else ""
        names = doc.file
        click.echo(f"ok: {names}: {_count(config)} apps{suffix}")
        return 0
    errors = sum(p.severity == "error" for p in problems)
    click.echo(f"{errors} error(s) found", err=True)
    return 1


def _count(config: object) -> int:
    apps = getattr(config, "apps", None)
    return len(apps) if isinstance(apps, dict) else 0


def _report(
    problems: list[Problem],
    fatal: list[str],
    output_format: str,
    *,
    files: list[Path],
    ok: bool = False,
    apps: int = 0,
) -> int:
    if output_format == "json":
        document = {
            "ok": ok and not fatal,
            "files": [str(f) for f in files],
            "apps": apps,
            "problems": [p.as_dict() for p in problems] + [_fatal(line) for line in fatal],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        for line in fatal:
            click.echo(line, err=True)
    return 0 if ok and not fatal else 1


def _fatal(line: str) -> dict[str, object]:
    location, _, message = line.partition(": ")
    file, _, rest = location.partition(":")
    line_no, _, column = rest.partition(":")
    return {
        "file": file,
        "line": int(line_no) if line_no.isdigit() else None,
        "column": int(column) if column.isdigit() else None,
        "path": "",
        "message": message or line,
        "severity": "error",
    }
