"""The result of a deploy: one row per (cluster, app), as a table, Markdown or JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sbkube_ci.terminal import plural, table

AppStatus = Literal["succeeded", "failed", "skipped", "rolled back", "dry run"]
OK_RESULTS = ("succeeded", "dry run")
HEADER = ["CLUSTER", "APP", "ACTION", "RESULT", "DURATION", "DETAIL"]


@dataclass(frozen=True)
class AppResult:
    """What happened to one app on one cluster; ``detail`` is one line (the error, if any)."""

    cluster: str
    app: str
    action: str  # create, update, delete, exec, rollback
    result: AppStatus
    duration: float = 0.0
    detail: str = ""
    old_revision: int | None = None
    new_revision: int | None = None

    @property
    def ok(self) -> bool:
        return self.result in OK_RESULTS

    def row(self) -> list[str]:
        return [
            self.cluster,
            self.app,
            self.action,
            self.result,
            f"{self.duration:.1f}s" if self.duration else "-",
            self.detail.splitlines()[0] if self.detail else "",
        ]


def cluster_failure(results: Sequence[AppResult], cluster: str) -> str:
    """The one error every app of ``cluster`` failed with (an unset kubeconfig), else ""."""
    mine = [r for r in results if r.cluster == cluster]
    details = {r.detail for r in mine}
    if len(mine) > 1 and all(r.result == "failed" for r in mine) and len(details) == 1:
        return mine[0].detail
    return ""


def _rows(results: Sequence[AppResult]) -> list[list[str]]:
    """Table rows; a cluster-wide error is said once, in the cluster line, not on every row."""
    shared = {c: cluster_failure(results, c) for c in {r.cluster for r in results}}
    rows = []
    for result in results:
        row = result.row()
        if shared[result.cluster]:
            row[-1] = "(cluster failed, see below)"
        rows.append(row)
    return rows


def text(results: Sequence[AppResult], mask: Callable[[str], str]) -> str:
    """The summary table, masked; ``nothing to deploy`` when empty."""
    if not results:
        return "nothing to deploy: every app is up to date"
    return mask("\n".join(table([HEADER, *_rows(results)])))


def markdown(results: Sequence[AppResult], mask: Callable[[str], str]) -> str:
    """A Markdown table for the CI job summary; pipes in values are escaped."""
    if not results:
        return "_Nothing to deploy: every app is up to date._"
    lines = ["| " + " | ".join(h.title() for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in _rows(results):
        cells = [c.replace("|", "\\|") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    for cluster in sorted({r.cluster for r in results}):
        if shared := cluster_failure(results, cluster):
            lines += ["", f"**{cluster}** failed as a whole: {shared.splitlines()[0]}"]
    return mask("\n".join(lines))


def as_json(results: Sequence[AppResult], mask: Callable[[str], str]) -> list[dict[str, Any]]:
    return [
        {k: mask(v) if isinstance(v, str) else v for k, v in asdict(r).items()} for r in results
    ]


def cluster_lines(results: Sequence[AppResult], clusters: Sequence[str]) -> list[str]:
    """One line per cluster: ``prod: ok (3 apps)`` or ``prod: FAILED (1 of 3 apps)``."""
    lines = []
    for cluster in clusters:
        mine = [r for r in results if r.cluster == cluster]
        failed = [r for r in mine if not r.ok and r.result != "skipped"]
        skipped = [r for r in mine if r.result == "skipped"]
        if shared := cluster_failure(results, cluster):
            first = shared.splitlines()[0]
            lines.append(f"{cluster}: FAILED (all {plural(len(mine), 'app')}): {first}")
        elif failed:
            lines.append(f"{cluster}: FAILED ({len(failed)} of {_apps(len(mine))} failed)")
        elif skipped:
            lines.append(f"{cluster}: STOPPED ({len(skipped)} of {_apps(len(mine))} not deployed)")
        else:
            lines.append(f"{cluster}: ok ({_apps(len(mine))})")
    return lines


def _apps(count: int) -> str:
    return f"{count} app{'' if count == 1 else 's'}"
