"""``sbkube-ci plan``: print what would change and write plan.json/plan.md (``planning``).

The default diff is against the state snapshots, so a pull request needs no cluster
credentials; ``--live`` diffs against the cluster with a server-side dry run instead. Exit
codes: 0 nothing changes, 2 something does, 1 an app failed to render or the run failed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from sbkube_ci.ci.base import CIAdapter
from sbkube_ci.ci.comments import CommentingAdapter
from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome, check_outcomes
from sbkube_ci.ci.result import ClusterPlan, CommandResult
from sbkube_ci.config.loader import Project, load_project, read_document
from sbkube_ci.diff.credentials import build_masker, masked_values
from sbkube_ci.diff.markdown import GITHUB_COMMENT, GITLAB_NOTE, render_comment
from sbkube_ci.diff.review_header import Review, error_comment
from sbkube_ci.diff.text import render_text
from sbkube_ci.errors import ConfigProblems, SbkubeError
from sbkube_ci.plan_model import Plan
from sbkube_ci.planning.engine import DEFAULT_PLAN, make_plan, summary_markdown, write_plan
from sbkube_ci.progress import Progress
from sbkube_ci.state.identity import current_identity
from sbkube_ci.terminal import plural

PLAN_ARTIFACT = "sbkube-plan"


def plan_for_ci(invocation: Invocation, environ: Mapping[str, str] | None = None) -> CommandResult:
    """Plan, write plan.json/plan.md, and hand back what the adapter publishes."""
    env = os.environ if environ is None else environ
    project = load_project(invocation.chdir, invocation.config)
    masker = build_masker(project, env)
    outcome = make_plan(
        project,
        clusters=invocation.clusters or None,
        live=invocation.live,
        masker=masker,
        progress=invocation.progress,
    )
    hint = _full_plan_hint(env)
    path = write_plan(outcome.plan, invocation.plan_path, masker, full_plan_hint=hint)
    budget = _comment_budget(project, env)
    review = _review(project, invocation, env)
    clusters = [
        ClusterPlan(
            cluster.name,
            render_comment(outcome.plan, cluster.name, budget, hint, masker, review=review),
            cluster.has_changes,
        )
        for cluster in outcome.plan.clusters
    ]
    return CommandResult(
        exit_code=outcome.plan.exit_code(strict=invocation.strict or project.config.checks.strict),
        summary=summary_line(outcome.plan),
        markdown=summary_markdown(outcome.plan, masker, hint),
        clusters=clusters,
        apps=_outcomes(outcome.plan),
        plan_path=path,
        secrets=masked_values(project, env),
    )


def _comment_budget(project: Project, env: Mapping[str, str]) -> int:
    """``diff.budgets`` for this platform, never above what its API accepts (marker included)."""
    budgets = project.config.diff.budgets
    if env.get("GITLAB_CI") == "true":
        return min(budgets.gitlab_note, GITLAB_NOTE)
    return min(budgets.github_comment, GITHUB_COMMENT)


def _full_plan_hint(env: Mapping[str, str]) -> str:
    """Where the whole plan is: a place, which the Markdown puts in its own sentences."""
    run_url = current_identity(env).run_url
    where = f" of [this run]({run_url})" if run_url else ""
    return f"the `{PLAN_ARTIFACT}` artifact{where} (plan.md)"


def _review(project: Project, invocation: Invocation, env: Mapping[str, str]) -> Review:
    clusters = project.config.effective_clusters()
    return Review(
        commit=invocation.commit,
        run_url=current_identity(env).run_url,
        on_merge={name: cluster.on_merge for name, cluster in clusters.items()},
    )


def publish_plan_error(adapter: CIAdapter, invocation: Invocation, error: SbkubeError) -> None:
    """Replace each cluster's plan comment by "the plan for <sha> failed: <first error>"."""
    first = (
        error.problems[0] if isinstance(error, ConfigProblems) and error.problems else str(error)
    )
    # the reviewer knows the repository: sbkube.yaml:7:5, not the runner's absolute path
    first = first.replace(str(invocation.chdir.resolve()) + os.sep, "")
    review = Review(commit=invocation.commit, run_url=current_identity(adapter.environ).run_url)
    for cluster in _comment_clusters(adapter, invocation):
        body = error_comment(f"sbkube-ci plan · `{cluster}`", invocation.commit, first, review)
        outcome = adapter.publish_comment(cluster, body, has_changes=True)
        adapter.log(f"sbkube-ci: comment for {cluster}: {outcome.action} (plan failed)")


def _comment_clusters(adapter: CIAdapter, invocation: Invocation) -> list[str]:
    """The clusters whose comment to replace: as selected, as configured, or as commented."""
    if invocation.clusters:
        return list(invocation.clusters)
    names: list[str] = []
    try:  # the file may be what is broken: read only the names it still gives
        doc, _, _ = read_document(invocation.chdir, invocation.config)
        clusters = doc.data.get("clusters")
        names = [str(n) for n in clusters] if isinstance(clusters, dict) and clusters else []
        names = names or ["default"]
    except SbkubeError:
        pass
    if isinstance(adapter, CommentingAdapter):
        names += [n for n in adapter.commented_clusters() if n not in names]
    return names or ["default"]


def summary_line(plan: Plan) -> str:
    """The ``summary`` output, as action.yml and docs/ci.md show it:
    ``2 apps change on prod (+3 ~1 -0), 1 app changes on staging (+0 ~1 -0)``."""
    parts = []
    for cluster in plan.clusters:
        changing = [a for a in cluster.apps if a.has_changes]
        failed = [a for a in cluster.apps if a.error]
        if changing:
            added, updated, deleted = cluster.totals()
            verb = "changes" if len(changing) == 1 else "change"
            parts.append(
                f"{plural(len(changing), 'app')} {verb} on {cluster.name} "
                f"(+{added} ~{updated} -{deleted})"
            )
        if failed:
            parts.append(f"{plural(len(failed), 'app')} failed to render on {cluster.name}")
    return ", ".join(parts) or "no changes"


def _outcomes(plan: Plan) -> list[AppOutcome]:
    apps = [
        AppOutcome(
            cluster.name,
            app.name,
            error=app.error or "",
            changed=app.has_changes,
            detail=f"{app.action}: +{app.added} ~{app.changed} -{app.deleted}",
        )
        for cluster in plan.clusters
        for app in cluster.apps
    ]
    return apps + [outcome for cluster in plan.clusters for outcome in check_outcomes(cluster)]


def plan(
    chdir: Path,
    file: Path | None,
    *,
    clusters: Sequence[str],
    apps: Sequence[str],
    live: bool,
    out: Path | None,
    output_format: str,
    color: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
) -> int:
    """The CLI verb: prints the plan (text or JSON) and returns 0, 2 (changes) or 1.

    ``strict`` (or ``checks.strict`` in the config) makes a check error fail the plan (1).
    """
    project = load_project(chdir, file)
    for warning in project.warnings:  # e.g. a repository taken from `helm repo add`
        click.echo(str(warning), err=True)
    masker = build_masker(project)
    outcome = make_plan(
        project,
        clusters=clusters or None,
        apps=apps or None,
        live=live,
        masker=masker,
        progress=progress,
    )
    if progress is not None:
        progress.close()  # the display goes before the plan is printed
    path = write_plan(outcome.plan, _plan_path(chdir, project, out), masker)
    if output_format == "json":
        click.echo(json.dumps(json.loads(outcome.plan.to_json()), indent=2))
    else:
        click.echo(render_text(outcome.plan, color=color, masker=masker), nl=False, color=color)
        click.echo(f"plan written to {_display(path)} and {_display(path.with_suffix('.md'))}")
    return outcome.plan.exit_code(strict=strict or project.config.checks.strict)


def _plan_path(chdir: Path, project: Project, out: Path | None) -> Path:
    """``--out`` resolves against ``-C`` as deploy's ``--plan`` does, so the two pair up."""
    if out is None:
        return project.base_dir / DEFAULT_PLAN
    return out if out.is_absolute() else chdir / out


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
