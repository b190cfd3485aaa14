"""``sbkube-ci history``: who deployed what, where and when, newest first."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sbkube_ci.commands.state import open_state, table
from sbkube_ci.state import HistoryRecord


def history(
    chdir: Path,
    file: Path | None,
    *,
    cluster: str | None,
    app: str | None,
    limit: int | None,
    output_format: str,
) -> int:
    """Print history records as a table, JSON or Markdown."""
    _, backend = open_state(chdir, file)
    problems: list[str] = []
    records = backend.list_history(cluster=cluster, app=app, limit=limit, problems=problems)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    if output_format == "json":
        click.echo(json.dumps([r.model_dump() for r in records], indent=2))
    elif not records:
        click.echo("no history yet" if output_format == "table" else "_No history yet._")
    elif output_format == "markdown":
        click.echo(markdown(records))
    else:
        click.echo("\n".join(table([HEADER, *(_row(r) for r in records)])))
    return 0


HEADER = ["TIME", "CLUSTER", "KIND", "APPS", "RESULT", "ACTOR", "COMMIT", "DURATION", "ID"]


def markdown(records: list[HistoryRecord]) -> str:
    """A Markdown table (job summaries, PR comments); pipes in values are escaped."""
    lines = ["| " + " | ".join(h.title() for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
    for record in records:
        cells = [c.replace("|", "\\|") for c in _row(record)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _row(record: HistoryRecord) -> list[str]:
    return [
        record.time[:19].replace("T", " "),
        record.cluster,
        record.kind,
        ", ".join(_change(c.app, c.old_revision, c.new_revision) for c in record.apps) or "-",
        record.result,
        record.actor,
        record.commit[:7] or "-",
        f"{record.duration:.0f}s" if record.duration else "-",
        record.id,
    ]


def _change(app: str, old: int | None, new: int | None) -> str:
    if old is None:
        return f"{app} r{new}" if new is not None else app
    return f"{app} r{old}→r{new}" if new is not None else f"{app} r{old}→removed"
