"""The per-cluster jobs of a deploy: from a reviewed plan, or from a fresh plan.

A plan is refused before anything runs when a cluster's state revision moved since it was
made, or when a re-render gives another render digest than the one reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sbkube_ci.config.loader import Project
from sbkube_ci.deploy import tasks
from sbkube_ci.deploy.run import ClusterJob, check_revision
from sbkube_ci.diff.mask import Masker
from sbkube_ci.errors import DeployError
from sbkube_ci.plan_model import ClusterPlan, Plan
from sbkube_ci.render.pipeline import render_project, select_clusters
from sbkube_ci.render.result import RenderResult
from sbkube_ci.state import StateBackend, StateDocument

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
        return _from_plan(project, backend, selection, Plan.read(selection.plan_path))
    return _fresh(project, backend, selection, masker)


def _fresh(
    project: Project, backend: StateBackend, selection: Selection, masker: Masker
) -> list[ClusterJob]:
    names = list(select_clusters(project, selection.clusters or None))
    apps = list(selection.apps) or None
    render, states = fresh_plan(project, backend, names, apps, masker)
    return [
        ClusterJob(
            name,
            tasks.from_state(project, render.for_cluster(name), states[name], apps),
            states[name].revision,
        )
        for name in names
    ]


def fresh_plan(
    project: Project,
    backend: StateBackend,
    clusters: Sequence[str],
    apps: Iterable[str] | None,
    masker: Masker,
) -> tuple[RenderResult, dict[str, StateDocument]]:
    """Render and read the state, as ``plan`` does (the one place deploy plans itself)."""
    del masker  # the plan's diff texts are not needed to decide what to deploy
    render = render_project(project, clusters=clusters, apps=apps)
    return render, {name: backend.read_state(name) for name in clusters}


def _from_plan(
    project: Project, backend: StateBackend, selection: Selection, plan: Plan
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
    return [
        ClusterJob(
            cp.name,
            tasks.from_plan(project, cp, render.for_cluster(cp.name), states[cp.name]),
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
