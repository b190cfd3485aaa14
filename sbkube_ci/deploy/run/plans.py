"""The per-cluster jobs of a deploy: from a reviewed plan, or from a fresh one.

A plan is refused before anything runs when a cluster's state revision moved since it was
made, or when a re-render gives another render digest than the one reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sbkube_ci._retry import RetryReport
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.inspect.drift import detect_drift
from sbkube_ci.deploy.kube.connection import connect
from sbkube_ci.deploy.run import jobs as tasks
from sbkube_ci.deploy.run.cluster import ClusterJob, check_revision
from sbkube_ci.deploy.run.drift import deployed_apps
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
    force: bool = False  # also re-apply unchanged apps whose live objects drifted


@dataclass(frozen=True)
class FreshPlan:
    """A plan made for this deploy, with the render and the states it was made from."""

    plan: Plan
    render: RenderResult
    states: Mapping[str, StateDocument]


def deploy_jobs(
    project: Project,
    backend: StateBackend,
    selection: Selection,
    masker: Masker,
    fresh: FreshPlan | None = None,
    *,
    on_retry: RetryReport | None = None,
) -> list[ClusterJob]:
    """One job per selected cluster, with the apps to deploy there.

    Without ``selection.plan_path`` the caller plans first and passes the result as ``fresh``.
    ``on_retry`` hears of the waits the API server asks for while ``--force`` looks for drift.
    """
    if selection.plan_path is not None:
        plan = read_reviewed_plan(selection.plan_path)
        jobs = _from_plan(project, backend, selection, plan, masker)
        planned = {cp.name: cp for cp in plan.clusters}
    elif fresh is not None:
        jobs = _fresh(project, fresh)
        planned = {cp.name: cp for cp in fresh.plan.clusters}
    else:
        raise DeployError("deploy: neither a reviewed plan nor a fresh plan to deploy from")
    if selection.force:
        jobs = [
            _with_repairs(project, backend, job, planned[job.name], masker, on_retry=on_retry)
            for job in jobs
        ]
    return jobs


def read_reviewed_plan(path: Path) -> Plan:
    """The plan at ``path``; a missing file is an error, never a reason to plan afresh."""
    if not path.is_file():
        raise DeployError(
            f"plan file {path} not found: deploy applies only a reviewed plan when given one; "
            f"download the plan artifact to {path} or run `sbkube-ci plan --out {path}` first"
        )
    return Plan.read(path)


def _fresh(project: Project, outcome: FreshPlan) -> list[ClusterJob]:
    """Deploy what the fresh plan changes."""
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


def _with_repairs(
    project: Project,
    backend: StateBackend,
    job: ClusterJob,
    planned: ClusterPlan,
    masker: Masker,
    *,
    on_retry: RetryReport | None,
) -> ClusterJob:
    """``job`` plus the apps the plan leaves unchanged but whose live objects drifted."""
    state = backend.read_state(job.name)
    candidates = [
        a.name
        for a in planned.apps
        if a.action == "unchanged"
        and not a.error
        and a.name not in job.tasks
        and a.name in state.apps
        and tasks.mode_of(project.config.apps[a.name]) in ("apply", "helm")
    ]
    if not candidates:
        return job
    cluster = project.config.effective_clusters()[job.name]
    settings = project.config.settings
    with connect(
        job.name, cluster, settings, base_dir=project.base_dir, on_retry=on_retry
    ) as connection:
        apps = deployed_apps(backend, job.name, state, candidates)
        report = detect_drift(connection.client, job.name, apps)
    drifted = [app.app for app in report.apps if app.has_drift]
    if not drifted:
        return job
    render = render_project(project, clusters=[job.name], apps=drifted)
    rendered = render.for_cluster(job.name)
    for app in rendered.values():  # deploy logs mask these Secrets' values too
        masker.learn_secrets(app.objects)
    random = {a.name: tuple(a.random_fields) for a in planned.apps}
    repairs = {
        name: tasks.repair_task(
            project,
            name,
            rendered[name],
            helm_version=render.helm_version,
            random_fields=random.get(name, ()),
        )
        for name in drifted
        if name in rendered
    }
    return replace(job, tasks={**job.tasks, **repairs})


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
