"""``sbkube-ci history``: who deployed what, where and when, newest first."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.commands._common import open_state
from sbkube_ci.config.loader import Project
from sbkube_ci.config.suggest import did_you_mean
from sbkube_ci.errors import ConfigError
from sbkube_ci.state import HistoryRecord, StateBackend
from sbkube_ci.terminal import table


def history(
    chdir: Path,
    file: Path | None,
    *,
    cluster: str | None,
    app: str | None,
    limit: int | None,
    output_format: str,
) -> int:
    """Print history records as a table, JSON or Markdown (``text`` is the table)."""
    project, backend = open_state(chdir, file)
    _check_filters(project, backend, cluster, app)
    problems: list[str] = []
    records = backend.list_history(cluster=cluster, app=app, limit=limit, problems=problems)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    if output_format == "json":
        click.echo(json.dumps([r.model_dump() for r in records], indent=2))
    elif not records:
        empty = "no history yet" + (" matches the filters" if cluster or app else "")
        click.echo(f"_{empty[0].upper()}{empty[1:]}._" if output_format == "markdown" else empty)
    elif output_format == "markdown":
        click.echo(markdown(records))
    else:
        click.echo("\n".join(text_table(records)))
    return 0


def _check_filters(
    project: Project, backend: StateBackend, cluster: str | None, app: str | None
) -> None:
    """An unknown name is an error, not an empty history: names in the config or the history."""
    if cluster is None and app is None:
        return
    seen = backend.list_history()
    clusters = set(project.config.effective_clusters()) | {r.cluster for r in seen}
    apps = set(project.config.apps) | {c.app for r in seen for c in r.apps}
    for option, name, known in (("--cluster", cluster, clusters), ("--app", app, apps)):
        if name is not None and name not in known:
            raise ConfigError(
                f"{option} {name}: no such {option[2:]} in the configuration or the history"
                + did_you_mean(name, known)
                + f"; known: {', '.join(sorted(known)) or 'none'}"
            )


def text_table(records: list[HistoryRecord]) -> list[str]:
    """The table, with a line under each failed record: which app failed, and why."""
    rows = table([HEADER, *(_row(r) for r in records)])
    lines = [rows[0]]
    for record, row in zip(records, rows[1:], strict=True):
        lines.append(row)
        if failure := failure_line(record):
            lines.append(f"  └ {failure}")
    return lines


def failure_line(record: HistoryRecord) -> str:
    """``web: readiness timed out …``: the first line of what went wrong, "" if nothing did."""
    if record.result == "succeeded" or not record.detail:
        return ""
    return next((line.strip() for line in record.detail.splitlines() if line.strip()), "")


CI_LIMIT = 20
HEADER = ["TIME", "CLUSTER", "KIND", "APPS", "RESULT", "ACTOR", "COMMIT", "DURATION", "ID"]


def markdown(records: list[HistoryRecord]) -> str:
    """A Markdown table (job summaries, PR comments); pipes in values are escaped."""
    header = [*HEADER, "ERROR"]
    lines = ["| " + " | ".join(h.title() for h in header) + " |", "|" + "---|" * len(header)]
    for record in records:
        cells = [c.replace("|", "\\|") for c in [*_row(record), failure_line(record)]]
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


def history_for_ci(invocation: Invocation) -> CommandResult:
    """``history`` from the ci entrypoint: the latest records in the job summary."""
    project, backend = open_state(invocation.chdir, invocation.config)
    clusters = invocation.clusters or (None,)
    app = invocation.app or None
    for cluster in clusters:
        _check_filters(project, backend, cluster, app)
    records = sorted(
        (r for c in clusters for r in backend.list_history(cluster=c, app=app, limit=CI_LIMIT)),
        key=lambda r: r.time,
        reverse=True,
    )[:CI_LIMIT]
    if records:
        click.echo("\n".join(text_table(records)))
    line = f"{len(records)} history record(s)" if records else "no history yet"
    body = markdown(records) if records else "_No history yet._"
    return CommandResult(
        exit_code=0, summary=line, markdown=f"**sbkube-ci history**: {line}\n\n{body}"
    )
