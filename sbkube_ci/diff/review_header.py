"""The top of a plan comment: what a reviewer needs before the diffs.

Which commit was planned, in which run and when; what merging will do on each cluster (which
job deploys, in which environment, behind which approval); the chart and image versions that
move; counts in words. Also the error state that replaces a plan once it no longer describes
the head of the pull request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sbkube_ci.config.review import OnMerge
from sbkube_ci.plan_model import ClusterPlan, Plan
from sbkube_ci.terminal import plural

MAX_VERSION_LINES = 30


@dataclass(frozen=True)
class Review:
    """What the comment says beyond the plan itself; empty fields are left out."""

    commit: str = ""  # the commit reviewed (the PR head); else the plan's own commit is shown
    run_url: str = ""
    run_label: str = "this run"
    on_merge: Mapping[str, OnMerge | None] = field(default_factory=dict)


def escape(text: str) -> str:
    """Text safe outside code: no HTML, table breaks or emphasis from names."""
    return re.sub(r"([\\`*_\[\]|<>])", r"\\\1", text)


def counts_in_words(clusters: Sequence[ClusterPlan]) -> str:
    """``**2 apps change** on prod: 3 objects added, 1 changed, none deleted; 5 unchanged``."""
    apps = [a for c in clusters for a in c.apps]
    changed = [a for a in apps if a.has_changes]
    failed = [a for a in apps if a.error]
    names = ", ".join(f"`{escape(c.name)}`" for c in clusters) or "no cluster"
    if not changed and not failed:
        return f"**No changes** on {names}: {plural(len(apps), 'app')} up to date."
    added = sum(a.added for a in apps)
    updated = sum(a.changed for a in apps)
    deleted = sum(a.deleted for a in apps)
    verb = "changes" if len(changed) == 1 else "change"
    objects = ", ".join(
        [
            f"{_number(added, 'object')} added",
            f"{_none(updated)} changed",
            f"{_none(deleted)} deleted",
        ]
    )
    unchanged = f"{len(apps) - len(changed) - len(failed)} unchanged"
    broken = f"**{plural(len(failed), 'app')} failed to render**"
    if not changed:
        return f"{broken} on {names}; {unchanged}."
    text = f"**{plural(len(changed), 'app')} {verb}** on {names}: {objects}; {unchanged}"
    return text + (f"; {broken}." if failed else ".")


def _number(count: int, word: str) -> str:
    return f"no {word}s" if count == 0 else plural(count, word)


def _none(count: int) -> str:
    return "none" if count == 0 else str(count)


def provenance(plan: Plan, review: Review) -> str:
    """``Commit `abc` · [this run](url) · planned 2026-12-05 08:00 UTC``."""
    parts = []
    commit = review.commit or plan.commit  # a PR's head, not the merge commit CI checked out
    if commit:
        parts.append(f"Commit `{commit[:12]}`")
    if review.run_url:
        parts.append(f"[{escape(review.run_label)}]({review.run_url})")
    created = plan.created_at
    created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
    parts.append(f"planned {created.strftime('%Y-%m-%d %H:%M UTC')}")
    return " · ".join(parts)


def compared_with(clusters: Sequence[ClusterPlan]) -> str:
    """What the plan was compared with, in words instead of "state 4"."""
    parts = []
    for cluster in clusters:
        revision = cluster.state_revision or "0"
        if revision in {"0", ""}:
            parts.append(f"nothing deployed yet on `{escape(cluster.name)}`")
        else:
            parts.append(
                f"what was last deployed on `{escape(cluster.name)}` "
                f"(state revision {escape(revision[:12])})"
            )
    return "Compared with " + "; ".join(parts) + "."


def on_merge_lines(clusters: Sequence[ClusterPlan], review: Review) -> list[str]:
    """One line per cluster: which job deploys it after merge, where, behind which approval."""
    if not review.on_merge:
        return []  # outside CI (plan.md on a laptop) merging means nothing
    lines = []
    for cluster in clusters:
        name = f"`{escape(cluster.name)}`"
        if not cluster.has_changes:
            lines.append(f"- {name}: nothing to deploy.")
            continue
        if cluster.name not in review.on_merge:
            continue
        lines.append(f"- {name}: {describe_merge(review.on_merge[cluster.name])}")
    return ["**On merge:**", "", *lines, ""] if lines else []


def describe_merge(on_merge: OnMerge | None) -> str:
    if on_merge is None:
        return (
            "the deploy job applies this plan; which job and who approves is not declared "
            "(`on_merge` of the cluster in sbkube.yaml)."
        )
    if not on_merge.deploy:
        return "merging deploys nothing; this cluster is deployed by hand."
    job = f"job `{escape(on_merge.job)}`" if on_merge.job else "the deploy job"
    where = f" in environment `{escape(on_merge.environment)}`" if on_merge.environment else ""
    gate = (
        f"after approval by {escape(on_merge.approval)}"
        if on_merge.approval
        else "with no approval"
    )
    return f"{job} applies this plan{where}, {gate}."


def version_lines(clusters: Sequence[ClusterPlan]) -> list[str]:
    """``- chart redis 19.6.0 → 19.6.2 (cache)``, at most MAX_VERSION_LINES of them."""
    many = len(clusters) > 1
    lines = []
    for cluster in clusters:
        for app in cluster.apps:
            label = f"{cluster.name}/{app.name}" if many else app.name
            lines += [f"- {escape(str(change))} ({escape(label)})" for change in app.versions]
    if not lines:
        return []
    if len(lines) > MAX_VERSION_LINES:
        rest = len(lines) - MAX_VERSION_LINES
        lines = [*lines[:MAX_VERSION_LINES], f"- …and {rest} more"]
    return ["**Versions:**", "", *lines, ""]


def error_comment(
    title: str, commit: str, error: str, review: Review, *, when: datetime | None = None
) -> str:
    """The body that replaces a plan comment when planning ``commit`` failed."""
    first = next((line.strip() for line in error.splitlines() if line.strip()), "unknown error")
    sha = f"`{commit[:12]}`" if commit else "the latest commit"
    lines = [
        f"## {title}",
        "",
        f"**The plan for {sha} failed:** {escape(first)}",
        "",
        "No plan is shown: the previous one described an earlier commit. "
        "Fix the error and push again.",
    ]
    if review.run_url:
        lines += ["", f"Details in [{escape(review.run_label)}]({review.run_url})."]
    stamp = (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", f"_{stamp}_", ""]
    return "\n".join(lines)
