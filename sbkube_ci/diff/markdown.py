"""The plan as Markdown for review: PR/MR comments and job summaries, within a size budget.

One summary table, then one ``<details>`` per changed app with its diff in a fenced block.
When the whole does not fit, the largest diffs are replaced by a one-line note pointing at the
full plan, so the text never exceeds the budget and never ends inside a code fence. Sizes are
counted in UTF-8 bytes: never more than the characters GitHub and GitLab count, and exactly
what a job summary counts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from sbkube_ci.ci.marker import comment_marker, with_marker
from sbkube_ci.diff.budget import Block, fit, size
from sbkube_ci.diff.mask import Masker
from sbkube_ci.diff.review_header import (
    Review,
    compared_with,
    counts_in_words,
    escape,
    on_merge_lines,
    provenance,
    version_lines,
)
from sbkube_ci.diff.text import checks_summary
from sbkube_ci.plan_model import AppPlan, ClusterPlan, Plan
from sbkube_ci.terminal import plural

GITHUB_COMMENT = 65_536
STEP_SUMMARY = 1_048_576
GITLAB_NOTE = 1_000_000

_BACKTICKS = re.compile(r"`+")


def render_markdown(
    plan: Plan,
    *,
    budget: int = STEP_SUMMARY,
    full_plan_hint: str = "",
    masker: Masker | None = None,
    review: Review | None = None,
) -> str:
    """``plan.md`` and the job summary: every cluster of the plan."""
    head = _head(plan, plan.clusters, title="sbkube-ci plan", review=review or Review())
    return _fit(head, _blocks(plan.clusters, full_plan_hint), budget, full_plan_hint, masker)


def render_comment(
    plan: Plan,
    cluster: str,
    budget: int = GITHUB_COMMENT,
    full_plan_hint: str = "",
    masker: Masker | None = None,
    *,
    review: Review | None = None,
) -> str:
    """The PR/MR comment of one cluster, starting with its hidden marker."""
    target = plan.cluster(cluster)
    # The marker is how the CI adapters find the comment to update: it survives any budget.
    marker = comment_marker(cluster) + "\n"
    if size(marker) > budget:
        raise ValueError(f"a budget of {budget} bytes cannot even hold the comment marker")
    head = _head(plan, [target], title=f"sbkube-ci plan · `{cluster}`", review=review or Review())
    blocks = _blocks([target], full_plan_hint)
    return with_marker(cluster, _fit(head, blocks, budget, full_plan_hint, masker, reserved=marker))


def _head(plan: Plan, clusters: Sequence[ClusterPlan], *, title: str, review: Review) -> str:
    lines = [f"## {title}", "", counts_in_words(clusters), ""]
    lines += [provenance(plan, review), "", compared_with(clusters), ""]
    lines += on_merge_lines(clusters, review)
    lines += version_lines(clusters)
    for cluster in clusters:
        if cluster.engine_note:
            lines += [f"> **Note:** {_escape(cluster.name)}: {_escape(cluster.engine_note)}", ""]
    rows = [(c, a) for c in clusters for a in c.changed_apps]
    if rows:
        lines += ["| Cluster | App | Action | + | ~ | - |", "|---|---|---|--:|--:|--:|"]
        lines += [_row(c, a) for c, a in rows]
        lines.append("")
    return "\n".join(lines) + "\n"


def _apps(count: int) -> str:
    return plural(count, "app")


def _row(cluster: ClusterPlan, app: AppPlan) -> str:
    action = "**error**" if app.error else app.action
    counts = ("", "", "") if app.error else (app.added, app.changed, app.deleted)
    cells = [_escape(cluster.name), _escape(app.name), action, *map(str, counts)]
    return "| " + " | ".join(cells) + " |"


def _blocks(clusters: Sequence[ClusterPlan], hint: str) -> list[Block]:
    many = len(clusters) > 1
    checks = [_checks_block(c, hint) for c in clusters if c.checks_run]
    return checks + [
        _block(app, f"{cluster.name} / {app.name}" if many else app.name, hint)
        for cluster in clusters
        for app in cluster.changed_apps
    ]


_SEVERITY = {"error": "**error**", "warning": "warning", "info": "note"}


def _checks_block(cluster: ClusterPlan, hint: str) -> Block:
    """The checks of one cluster: counts, then a table of its findings."""
    title = f"### Checks · {_escape(cluster.name)}\n\n"
    counts = f"{checks_summary(cluster.checks)} · ran: {', '.join(cluster.checks_run)}\n\n"
    if not cluster.checks:
        return Block(title + counts, title + counts)
    rows = [
        "| | Check | App | Object | Field | Finding |",
        "|---|---|---|---|---|---|",
    ]
    for f in cluster.checks:  # in the checks' report order: errors first
        cells = [_SEVERITY[f.severity], f.check, _escape(f.app), _escape(f.object)]
        cells += [f"`{f.path}`" if f.path else "", _cell(f.message)]
        rows.append("| " + " | ".join(cells) + " |")
    full = title + counts + "\n".join(rows) + "\n\n"
    where = f" — all of them in {hint}" if hint else ""
    return Block(full, title + counts + f"Findings left out to fit{where}.\n\n")


def _cell(text: str) -> str:
    """Text for a table cell that keeps its `code` spans: no HTML, no cell breaks."""
    return re.sub(r"([|<>\\])", r"\\\1", text).replace("\n", " ")


def _block(app: AppPlan, label: str, hint: str) -> Block:
    summary = f"<b>{html.escape(label)}</b> · {_summary(app)}"
    body: list[str] = []
    if app.note:
        body += [f"> **Note:** {_escape(app.note)}", ""]
    if app.cluster_source:
        body += [f"Source for this cluster: {_escape(app.cluster_source)}", ""]
    if app.cluster_values:
        layers = _escape(", ".join(app.cluster_values))
        body += [f"Values for this cluster, over the app's own: {layers}", ""]
    if app.error:
        body += ["Rendering failed:", "", _fence(app.error, ""), ""]
    for change in app.objects:
        if change.action != "unchanged":
            title = f"**{_escape(change.title)}** ({change.action})"
            body += [title, "", _fence(change.diff, "diff"), ""]
    unchanged = sum(1 for o in app.objects if o.action == "unchanged")
    if unchanged:
        body += [f"{unchanged} other object{'s' if unchanged != 1 else ''} unchanged.", ""]
    full = f"<details>\n<summary>{summary}</summary>\n\n" + "\n".join(body) + "</details>\n\n"
    where = f" — full diff in {hint}" if hint else ""
    short = f"- **{_escape(label)}** · {_summary(app)}: diff left out to fit{where}.\n\n"
    return Block(full, short)


def _summary(app: AppPlan) -> str:
    if app.error:
        return "failed to render"
    return f"{app.action}: +{app.added} ~{app.changed} -{app.deleted}"


def _fence(content: str, info: str) -> str:
    """A fenced block that ``content`` cannot close: longer than any backtick run inside."""
    longest = max((len(m) for m in _BACKTICKS.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{content}\n{fence}"


_escape = escape


def _fit(
    head: str,
    blocks: list[Block],
    budget: int,
    hint: str,
    masker: Masker | None,
    *,
    reserved: str = "",
) -> str:
    """Mask, then fit within ``budget`` minus what ``reserved`` (the marker) already takes."""
    if masker is not None:  # a last pass: the plan is masked already, names and notes may not be
        head = masker.mask(head)
        blocks = [Block(masker.mask(b.full), masker.mask(b.short)) for b in blocks]
    where = hint or "`.sbkube/plan.md` (run `sbkube-ci plan`)"
    note = (
        f"> Some diffs were left out to stay within {budget:,} characters; "
        f"the full plan is in {where}.\n\n"
    )

    def omitted(count: int) -> str:
        return f"…and {_apps(count)} more, not shown here: see {where}.\n"

    return fit(head, blocks, budget - size(reserved), note, omitted)
