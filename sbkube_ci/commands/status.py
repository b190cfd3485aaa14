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
from sbkube_ci.diff.mask import Masker
from sbkube_ci.notify import AppChange, Dispatcher, notification_from_ci_env
from sbkube_ci.state import open_backend
from sbkube_ci.terminal import plural

EXIT_DRIFT = 2


#: a line of the report and its colour on a colour terminal (None: plain)
Line = tuple[str, str | None]
_DRIFT, _UNHEALTHY, _CLEAN = "red", "yellow", "green"


def describe(report: DriftReport) -> list[str]:
    """Lines for humans: a header per cluster, then one line per finding."""
    return [line for line, _ in _lines(report)]


def _lines(report: DriftReport) -> list[Line]:
    if not (report.has_drift or report.has_unhealthy):
        return [(f"{report.cluster}: no drift ({plural(len(report.apps), 'app')})", _CLEAN)]
    header = (
        (f"{report.cluster}: DRIFT", _DRIFT)
        if report.has_drift
        else (f"{report.cluster}: unhealthy workloads", _UNHEALTHY)
    )
    findings = [line for app in report.apps for line in _app_lines(app)]
    return [header, *findings, *((fix, None) for fix in _fixes(report))]


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


def _app_lines(app: AppDrift) -> list[Line]:
    lines: list[Line] = [(f"  {app.app}: missing {ref}", _DRIFT) for ref in app.missing]
    for modified in app.modified:
        for change in modified.fields:
            lines.append((f"  {app.app}: modified {modified.ref}: {change.describe()}", _DRIFT))
    lines += [(f"  {app.app}: unhealthy {u.ref}: {u.reason}", _UNHEALTHY) for u in app.unhealthy]
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
        click.echo(_painted(reports, masker, color=color), color=color)
    return _notify(project, reports)


def _painted(reports: Sequence[DriftReport], masker: Masker, *, color: bool) -> str:
    """The report, each line masked, then coloured by what it found (drift red, unhealthy
    workloads yellow, a clean cluster green; advice plain)."""
    lines = [(masker.mask(line), style) for r in reports for line, style in _lines(r)]
    return "\n".join(
        click.style(line, fg=style) if color and style else line for line, style in lines
    )


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
