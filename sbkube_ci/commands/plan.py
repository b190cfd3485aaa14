"""``sbkube-ci plan``: render, diff each app against what is deployed, write plan.json/plan.md.

The default diff is against the state snapshots, so a pull request needs no cluster
credentials; ``--live`` diffs against the cluster with a server-side dry run instead. Exit
codes: 0 nothing changes, 2 something does, 1 an app failed to render or the run failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from sbkube_ci import _proc
from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.diff.credentials import build_masker
from sbkube_ci.diff.engine import AppRender, AppSnapshot, DiffOptions, plan_cluster
from sbkube_ci.diff.live import live_entries
from sbkube_ci.diff.markdown import STEP_SUMMARY, render_markdown
from sbkube_ci.diff.mask import Masker
from sbkube_ci.diff.text import render_text
from sbkube_ci.errors import SbkubeError
from sbkube_ci.plan_model import Plan, write_atomic
from sbkube_ci.progress import MaskedProgress, Progress
from sbkube_ci.render import RenderedApp, RenderResult, render_project
from sbkube_ci.render.layers import values_layers
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.render.pipeline import select_clusters
from sbkube_ci.state import open_backend
from sbkube_ci.state.backend import StateBackend
from sbkube_ci.state.models import AppState, StateDocument

DEFAULT_PLAN = Path(".sbkube/plan.json")
Entries = dict[str, tuple[AppRender | None, AppSnapshot | None]]


@dataclass
class PlanOutcome:
    """A plan and what it was made from (deploy re-checks against these)."""

    plan: Plan
    render: RenderResult
    states: dict[str, StateDocument]


def make_plan(
    project: Project,
    *,
    clusters: Iterable[str] | None = None,
    apps: Iterable[str] | None = None,
    live: bool = False,
    masker: Masker | None = None,
    max_workers: int | None = None,
    progress: Progress | None = None,
) -> PlanOutcome:
    """Render the apps and diff them per cluster; failed apps are reported, not raised."""
    masker = masker or build_masker(project)
    progress = MaskedProgress(progress or Progress(), masker.mask)
    names = list(apps) if apps is not None else None
    targets = list(select_clusters(project, clusters))
    render = render_project(
        project,
        clusters=targets,
        apps=names,
        keep_going=True,
        max_workers=max_workers,
        progress=progress,
    )
    backend = open_backend(project)
    options = DiffOptions.from_settings(project.config.diff)
    states: dict[str, StateDocument] = {}
    per_cluster: dict[str, Entries] = {}
    for cluster in targets:
        states[cluster] = backend.read_state(cluster)
        per_cluster[cluster] = _entries(
            project, cluster, render=render, state=states[cluster], backend=backend, names=names
        )
        if live:
            per_cluster[cluster] = live_entries(
                project, cluster, per_cluster[cluster], render, states[cluster]
            )
    progress.stage("plan", sum(len(e) for e in per_cluster.values()))
    cluster_plans = [
        plan_cluster(
            cluster,
            entries,
            state_revision=str(states[cluster].revision),
            options=options,
            masker=masker,
            progress=progress,
            label=f"{cluster}/" if len(targets) > 1 else "",
        )
        for cluster, entries in per_cluster.items()
    ]
    progress.end_stage()
    plan = Plan(commit=current_commit(project.base_dir), clusters=cluster_plans)
    return PlanOutcome(plan, render, states)


def _entries(
    project: Project,
    cluster: str,
    *,
    render: RenderResult,
    state: StateDocument,
    backend: StateBackend,
    names: Sequence[str] | None,
) -> Entries:
    """(new render, deployed snapshot) per app: the diff engine's input for one cluster."""
    entries: Entries = {}
    for app, rendered in render.for_cluster(cluster).items():
        entries[app] = (_render_side(project, rendered, render.helm_version), None)
    for failure in render.errors:
        if failure.cluster in (None, cluster):
            entries[failure.app] = (AppRender(error=failure.message), None)
    enabled = {name for name in project.config.apps if project.config.enabled_on(name, cluster)}
    for app, deployed in state.apps.items():
        if names is not None and app not in names:
            continue  # a partial plan says nothing about the apps it did not look at
        if app not in entries and app in enabled:
            continue  # still wanted, but renders nothing to compare (exec, hook, noop apps)
        new = entries.get(app, (None, None))[0]
        entries[app] = (new, _snapshot_side(cluster, deployed, backend))
    return entries


def _render_side(project: Project, rendered: RenderedApp, helm_version: str) -> AppRender:
    app = project.config.apps[rendered.app]
    layers: tuple[str, ...] = ()
    if isinstance(app, HelmApp):
        cluster = project.config.effective_clusters()[rendered.cluster]
        found = values_layers(project.config, rendered.app, app, rendered.cluster, cluster)
        layers = tuple(layer.label for layer in found)
    return AppRender(
        values=layers,
        objects=lambda: rendered.objects,
        render_digest=rendered.render_digest,
        input_digest=rendered.input_digest,
        helm_version=helm_version if isinstance(app, HelmApp) else None,
        source=rendered.pin.as_dict() if rendered.pin else {},
    )


def _snapshot_side(cluster: str, deployed: AppState, backend: StateBackend) -> AppSnapshot:
    digest = deployed.snapshot
    return AppSnapshot(
        objects=lambda: (
            load_objects(backend.load_snapshot(cluster, digest, reveal=False)) if digest else []
        ),
        render_digest=deployed.render_digest or None,
        input_digest=deployed.input_digest or None,
        helm_version=deployed.helm_version or None,
    )


def current_commit(directory: Path) -> str | None:
    """The commit checked out in ``directory``, if it is a Git work tree."""
    try:
        result = _proc.run(["git", "rev-parse", "HEAD"], cwd=directory, timeout=30, ok_codes=(0,))
    except SbkubeError:
        return None
    return result.stdout.strip() or None


def write_plan(plan: Plan, out: Path, masker: Masker, *, full_plan_hint: str = "") -> Path:
    """plan.json at ``out`` and plan.md beside it (the whole report, no budget)."""
    plan.write(out)
    markdown = render_markdown(plan, budget=1 << 40, full_plan_hint=full_plan_hint, masker=masker)
    write_atomic(out.with_suffix(".md"), markdown)
    return out


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
) -> int:
    """The CLI verb: prints the plan (text or JSON) and returns 0, 2 (changes) or 1."""
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
    path = write_plan(outcome.plan, _plan_path(project, out), masker)
    if output_format == "json":
        click.echo(json.dumps(json.loads(outcome.plan.to_json()), indent=2))
    else:
        click.echo(render_text(outcome.plan, color=color, masker=masker), nl=False, color=color)
        click.echo(f"plan written to {_display(path)} and {_display(path.with_suffix('.md'))}")
    return outcome.plan.exit_code()


def _plan_path(project: Project, out: Path | None) -> Path:
    if out is None:
        return project.base_dir / DEFAULT_PLAN
    return out if out.is_absolute() else Path.cwd() / out


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def summary_markdown(plan_: Plan, masker: Masker, hint: str) -> str:
    """The job-summary version of the plan (within the step summary budget)."""
    return render_markdown(plan_, budget=STEP_SUMMARY, full_plan_hint=hint, masker=masker)
