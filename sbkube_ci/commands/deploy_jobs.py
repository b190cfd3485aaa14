"""The per-cluster jobs of a deploy: from a reviewed plan, or from a fresh plan.

A plan is refused before anything runs when a cluster's state revision moved since it was
made, or when a re-render gives another render digest than the one reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sbkube_ci.commands.plan import make_plan
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy import tasks
from sbkube_ci.deploy.run import ClusterJob, check_revision
from sbkube_ci.diff.mask import Masker
from sbkube_ci.errors import DeployError
from sbkube_ci.plan_model import ClusterPlan, Plan
from sbkube_ci.render.pipeline import render_project, select_clusters
from sbkube_ci.render.result import RenderResult
from sbkube_ci.state import StateBackend

_REVISION = re.compile(r"^r?(\d+)$")


@dataclass(frozen=True)
class Selection:
    clusters: Sequence[str] = ()
    apps: Sequence[str] = ()
    plan_path: Path | None = None


def deploy_jobs(
    project: Project, backend: StateBackend, selection: Selection, masker: Masker
) -> list[ClusterJob]:
    """One job per selected cluster, with the apps to deploy there."""
    if selection.plan_path is not None:
        return _from_plan(project, backend, selection, Plan.read(selection.plan_path), masker)
    return _fresh(project, selection, masker)


def _fresh(project: Project, selection: Selection, masker: Masker) -> list[ClusterJob]:
    """Plan now (the one place deploy plans itself), then deploy what the plan changes."""
    outcome = make_plan(
        project,
        clusters=list(selection.clusters) or None,
        apps=list(selection.apps) or None,
        masker=masker,
    )
    return [
        ClusterJob(
            planned.name,
            tasks.from_plan(
                project,
                planned,
                outcome.render.for_cluster(planned.name),
                outcome.states[planned.name],
                helm_version=outcome.render.helm_version,
            ),
            outcome.states[planned.name].revision,
        )
        for planned in outcome.plan.clusters
    ]


def _from_plan(
    project: Project, backend: StateBackend, selection: Selection, plan: Plan, masker: Masker
) -> list[ClusterJob]:
    names = list(selection.clusters) or [c.name for c in plan.clusters]
    select_clusters(project, names)  # every cluster must still be in sbkube.yaml
    planned = [plan.cluster(name) for name in names]
    states = {name: backend.read_state(name) for name in names}
    jobs = [ClusterJob(cp.name, {}, plan_revision(cp)) for cp in planned]
    for job in jobs:
        check_revision(job, states[job.name])
    wanted = sorted({a.name for cp in planned for a in cp.apps if a.action in ("create", "update")})
    render = render_project(project, clusters=names, apps=wanted) if wanted else RenderResult()
    for rendered in render.apps.values():  # deploy logs mask these Secrets' values too
        masker.learn_secrets(rendered.objects)
    return [
        ClusterJob(
            cp.name,
            tasks.from_plan(
                project,
                cp,
                render.for_cluster(cp.name),
                states[cp.name],
                helm_version=render.helm_version,
            ),
            job.expected_revision,
        )
        for cp, job in zip(planned, jobs, strict=True)
    ]


def plan_revision(plan: ClusterPlan) -> int:
    """The state revision the plan was made against (``None``: nothing was deployed)."""
    if plan.state_revision is None:
        return 0
    match = _REVISION.match(plan.state_revision.strip())
    if match is None:
        raise DeployError(
            f"plan: cluster {plan.name}: state_revision {plan.state_revision!r} is not a "
            "revision number; plan again"
        )
    return int(match.group(1))
