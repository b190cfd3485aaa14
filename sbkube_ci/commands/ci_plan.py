"""``plan`` as the ci entrypoint runs it: one budgeted comment per cluster, a job summary,
one JUnit case per cluster/app, and the secrets handed to the platform's log masking."""

from __future__ import annotations

import os
from collections.abc import Mapping

from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.ci.result import ClusterPlan, CommandResult
from sbkube_ci.commands.plan import make_plan, summary_markdown, write_plan
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.diff.credentials import build_masker, masked_values
from sbkube_ci.diff.markdown import GITHUB_COMMENT, GITLAB_NOTE, render_comment
from sbkube_ci.plan_model import Plan
from sbkube_ci.state.identity import current_identity

PLAN_ARTIFACT = "sbkube-plan"


def plan_for_ci(invocation: Invocation, environ: Mapping[str, str] | None = None) -> CommandResult:
    """Plan, write plan.json/plan.md, and hand back what the adapter publishes."""
    env = os.environ if environ is None else environ
    project = load_project(invocation.chdir, invocation.config)
    masker = build_masker(project, env)
    outcome = make_plan(
        project, clusters=invocation.clusters or None, live=invocation.live, masker=masker
    )
    hint = _full_plan_hint(env)
    path = write_plan(outcome.plan, invocation.plan_path, masker, full_plan_hint=hint)
    budget = _comment_budget(project, env)
    clusters = [
        ClusterPlan(
            cluster.name,
            render_comment(outcome.plan, cluster.name, budget, hint, masker),
            cluster.has_changes,
        )
        for cluster in outcome.plan.clusters
    ]
    return CommandResult(
        exit_code=outcome.plan.exit_code(),
        summary=_summary(outcome.plan),
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
    run_url = current_identity(env).run_url
    where = f" of [this run]({run_url})" if run_url else ""
    return f"the full plan is in the `{PLAN_ARTIFACT}` artifact{where} (plan.md)"


def _summary(plan: Plan) -> str:
    changed = [f"{c.name}: {len(c.changed_apps)} app(s)" for c in plan.clusters if c.has_changes]
    if plan.has_errors:
        return "some apps failed to render; see the plan"
    return "changes on " + ", ".join(changed) if changed else "no changes"


def _outcomes(plan: Plan) -> list[AppOutcome]:
    return [
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
