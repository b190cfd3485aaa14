"""``sbkube-ci status``: drift between what was deployed and the live cluster.

Exit codes: 0 no drift, 2 drift found (objects missing or changed by another field manager;
for a scheduled drift-check job), 1 error. Unhealthy workloads are reported but are not drift.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from sbkube_ci._retry import print_retry
from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.deploy.inspect.drift import AppDrift, DriftReport
from sbkube_ci.deploy.run.drift import drift_reports
from sbkube_ci.diff.credentials import build_masker
from sbkube_ci.notify import AppChange, Dispatcher, notification_from_ci_env
from sbkube_ci.state import open_backend
from sbkube_ci.terminal import plural

EXIT_DRIFT = 2


def describe(report: DriftReport) -> list[str]:
    """Lines for humans: a header per cluster, then one line per finding."""
    if report.has_drift or report.has_unhealthy:
        state = "DRIFT" if report.has_drift else "unhealthy workloads"
        lines = [f"{report.cluster}: {state}"]
    else:
        return [f"{report.cluster}: no drift ({plural(len(report.apps), 'app')})"]
    for app in report.apps:
        lines += _app_lines(app)
    return lines + _fixes(report)


def _fixes(report: DriftReport) -> list[str]:
    """How to repair what the report found, one line per kind of finding."""
    lines = []
    drifted = [app.app for app in report.apps if app.has_drift]
    if drifted:
        apps = " ".join(f"--app {name}" for name in drifted)
        lines.append(
            f"  fix: `sbkube-ci deploy --force --cluster {report.cluster} {apps}` re-applies "
            "what was deployed (or change sbkube.yaml to match the cluster and deploy)"
        )
    unhealthy = [u for app in report.apps for u in app.unhealthy]
    if unhealthy:
        first = unhealthy[0].ref
        where = f" -n {first.namespace}" if first.namespace else ""
        lines.append(
            "  fix: unhealthy workloads are not drift; look at their events and pods, e.g. "
            f"`kubectl{where} describe {first.kind.lower()} {first.name}`"
        )
    return lines


def _app_lines(app: AppDrift) -> list[str]:
    lines = [f"  {app.app}: missing {ref}" for ref in app.missing]
    for modified in app.modified:
        for change in modified.fields:
            lines.append(f"  {app.app}: modified {modified.ref}: {change.describe()}")
    lines += [f"  {app.app}: unhealthy {u.ref}: {u.reason}" for u in app.unhealthy]
    return lines


def status(
    chdir: Path,
    file: Path | None,
    clusters: Sequence[str],
    *,
    output_format: str = "text",
    color: bool = False,
) -> int:
    """Print the drift of each cluster; notify ``drift_detected``; exit 2 on drift."""
    project = load_project(chdir, file)
    reports = drift_reports(project, open_backend(project), clusters, on_retry=print_retry)
    masker = build_masker(project)
    if output_format == "json":
        click.echo(masker.mask(json.dumps([r.to_dict() for r in reports], indent=2)))
    else:
        text = masker.mask(_text(reports))  # masked first: colour codes would split a secret
        click.echo(paint(text) if color else text, color=color)
    return _notify(project, reports)


#: what a finding looks like on a colour terminal: drift red, the unhealthy yellow, clean green
_STYLES = {
    "missing": "red",
    "modified": "red",
    "DRIFT": "red",
    "unhealthy": "yellow",
    "unhealthy workloads": "yellow",
    "no drift": "green",
}


def paint(text: str) -> str:
    """``text`` of ``describe`` with each finding coloured by its kind."""
    painted = []
    for line in text.splitlines():
        head, _, rest = line.strip().partition(": ")
        kind = rest.split(" ", 1)[0] if line.startswith("  ") else rest.split(" (", 1)[0]
        style = _STYLES.get(kind) if head != "fix" else None
        painted.append(click.style(line, fg=style) if style else line)
    return "\n".join(painted)


def status_for_ci(invocation: Invocation) -> CommandResult:
    """``status`` from the ci entrypoint (a scheduled drift check): exit 2 is drift."""
    project = load_project(invocation.chdir, invocation.config)
    reports = drift_reports(
        project, open_backend(project), invocation.clusters, on_retry=print_retry
    )
    text = build_masker(project).mask(_text(reports))
    click.echo(text)
    code = _notify(project, reports)
    line = "drift found" if code == EXIT_DRIFT else "no drift"
    return CommandResult(
        code, summary=line, markdown=f"**sbkube-ci status**: {line}\n\n```\n{text}\n```"
    )


def _text(reports: Sequence[DriftReport]) -> str:
    return "\n".join(line for r in reports for line in describe(r))


def _notify(project: Project, reports: Sequence[DriftReport]) -> int:
    masker = build_masker(project)
    drifted = [r for r in reports if r.has_drift]
    if not drifted:
        return 0
    notifications = Dispatcher.from_config(project.config, mask=masker.mask)
    event = notification_from_ci_env(
        "drift_detected",
        clusters=[r.cluster for r in drifted],
        apps=[AppChange(a.app, r.cluster) for r in drifted for a in r.apps if a.has_drift],
        project=project.config.metadata.name or "",
        detail="; ".join(line.strip() for r in drifted for line in describe(r)[1:4]),
    )
    notifications.send(event)
    return EXIT_DRIFT
