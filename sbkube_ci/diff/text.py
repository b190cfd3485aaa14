"""The plan as terminal text: the same facts as the Markdown report, for the job log."""

from __future__ import annotations

from sbkube_ci.diff.mask import Masker
from sbkube_ci.plan_model import AppPlan, CheckFinding, ClusterPlan, Plan

_SIGN = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}
_COLORS = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m", "!": "\033[1;31m"}
_RESET = "\033[0m"
_MARK = {"error": "!", "warning": "?", "info": "i"}


def render_text(plan: Plan, *, color: bool = False, masker: Masker | None = None) -> str:
    """Every cluster, app and changed object with its diff; ANSI colours if ``color``."""
    lines: list[str] = []
    for cluster in plan.clusters:
        lines += _cluster(cluster)
    if not plan.has_changes and not plan.has_errors:
        lines.append("No changes.")
    text = "\n".join(_paint(line) if color else line for line in lines) + "\n"
    return masker.mask(text) if masker is not None else text


def _cluster(cluster: ClusterPlan) -> list[str]:
    added, changed, deleted = cluster.totals()
    changing = [a for a in cluster.apps if a.has_changes]
    revision = cluster.state_revision
    against = (
        f"compared with deployed state revision {revision}"
        if revision and revision != "0"
        else "nothing deployed yet"
    )
    lines = [
        f"cluster {cluster.name} ({against}): {len(changing)} of {len(cluster.apps)} "
        f"apps change, objects +{added} ~{changed} -{deleted}"
    ]
    if cluster.engine_note:
        lines.append(f"  note: {cluster.engine_note}")
    for app in cluster.changed_apps:
        lines += _app(app)
    return lines + checks_lines(cluster)


def checks_lines(cluster: ClusterPlan) -> list[str]:
    """The checks of a cluster: one line of counts, then one line per finding."""
    if not cluster.checks_run:
        return []
    lines = [f"checks ({', '.join(cluster.checks_run)}): {checks_summary(cluster.checks)}"]
    for finding in cluster.checks:
        lines.append(
            f"  {_MARK[finding.severity]} {finding.check}: {finding.where}: {finding.message}"
        )
    return lines


def checks_summary(findings: list[CheckFinding]) -> str:
    """``2 errors, 1 warning, 1 note`` or ``all passed``."""
    counts = []
    for severity, word in (("error", "error"), ("warning", "warning"), ("info", "note")):
        count = sum(1 for f in findings if f.severity == severity)
        if count:
            counts.append(f"{count} {word}{'s' if count != 1 else ''}")
    return ", ".join(counts) if counts else "all passed"


def _app(app: AppPlan) -> list[str]:
    if app.error:
        return [f"! {app.name}: failed to render: {app.error}"]
    counts = f"+{app.added} ~{app.changed} -{app.deleted}"
    lines = [f"{_SIGN[app.action]} {app.name} ({app.action} {counts})"]
    if app.note:
        lines.append(f"    note: {app.note}")
    if app.cluster_source:
        lines.append(f"    source for this cluster: {app.cluster_source}")
    if app.cluster_values:
        lines.append(f"    values for this cluster: {', '.join(app.cluster_values)}")
    lines += [f"    {change}" for change in app.versions]  # chart redis 19.6.0 → 19.6.2
    for change in app.objects:
        if change.action == "unchanged":
            continue
        lines.append(f"    {_SIGN[change.action]} {change.title}")
        lines += ["        " + line for line in change.diff.splitlines()]
    return lines


def _paint(line: str) -> str:
    stripped = line.lstrip()
    code = _COLORS.get(stripped[:1]) if stripped.startswith(("+", "-", "@@", "!")) else None
    return f"{code}{line}{_RESET}" if code else line
