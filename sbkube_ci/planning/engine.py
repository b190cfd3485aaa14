"""Planning: render, diff each app against what is deployed, and check the result.

The default diff is against the state snapshots, so a pull request needs no cluster
credentials; ``live`` diffs against the cluster with a server-side dry run instead. The
plan (``plan_model.Plan``) is what ``plan`` prints and writes, what the pull-request comment
shows and what ``deploy`` applies.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sbkube_ci import _proc
from sbkube_ci.checks.random_renders import RandomField
from sbkube_ci.checks.run import ClusterChecks, Deployed, check_cluster
from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.loader import Project
from sbkube_ci.diff.credentials import build_masker
from sbkube_ci.diff.engine import (
    AppRender,
    AppSnapshot,
    DiffOptions,
    ObjectsSource,
    plan_cluster,
)
from sbkube_ci.diff.ignore import apply_rules, digest_without, field_rules
from sbkube_ci.diff.markdown import STEP_SUMMARY, render_markdown
from sbkube_ci.diff.mask import Masker
from sbkube_ci.errors import SbkubeError
from sbkube_ci.plan_model import ClusterPlan, Plan, RandomFieldRef, write_atomic
from sbkube_ci.planning.live import live_entries
from sbkube_ci.progress import MaskedProgress, Progress
from sbkube_ci.render import RenderedApp, RenderResult, render_project
from sbkube_ci.render.layers import values_layers
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.render.pipeline import select_clusters
from sbkube_ci.state import open_backend
from sbkube_ci.state.backend import StateBackend
from sbkube_ci.state.models import AppState, StateDocument
from sbkube_ci.workdir import RELATIVE, WorkDir

DEFAULT_PLAN = RELATIVE.plan
Entries = dict[str, tuple[AppRender | None, AppSnapshot | None]]
Objects = list[dict[str, Any]]


@dataclass
class _Parsed:
    """Each render parsed once, shared by the checks and the diff (which takes it away)."""

    objects: dict[tuple[str, str], Objects] = field(default_factory=dict)

    def __call__(self, rendered: RenderedApp) -> Objects:
        key = (rendered.cluster, rendered.app)
        if key not in self.objects:
            self.objects[key] = rendered.objects
        return self.objects[key]

    def take(self, rendered: RenderedApp) -> Objects:
        return self.objects.pop((rendered.cluster, rendered.app), None) or rendered.objects


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
    targets = select_clusters(project, clusters)
    render = render_project(
        project,
        clusters=list(targets),
        apps=names,
        keep_going=True,
        max_workers=max_workers,
        progress=progress,
    )
    backend = open_backend(project)
    options = DiffOptions.from_settings(project.config.diff)
    states: dict[str, StateDocument] = {}
    per_cluster: dict[str, Entries] = {}
    cluster_checks: dict[str, ClusterChecks] = {}
    parsed = _Parsed()
    for cluster, settings in targets.items():
        states[cluster] = backend.read_state(cluster)
        checks = _check(
            project,
            cluster,
            settings.kube_version,
            render,
            states[cluster],
            backend,
            parsed,
            every_app=names is None,
        )
        entries = _entries(
            project,
            cluster,
            render=render,
            state=states[cluster],
            backend=backend,
            names=names,
            parsed=parsed,
            random=checks.random,
        )
        if live:
            entries = live_entries(
                project, cluster, entries, render, states[cluster], on_retry=progress.retrying
            )
        per_cluster[cluster], cluster_checks[cluster] = entries, checks
    progress.stage("plan", sum(len(e) for e in per_cluster.values()))
    cluster_plans: list[ClusterPlan] = []
    for cluster, entries in per_cluster.items():
        planned = plan_cluster(
            cluster,
            entries,
            state_revision=str(states[cluster].revision),
            options=options,
            masker=masker,
            progress=progress,
            label=f"{cluster}/" if len(targets) > 1 else "",
        )
        cluster_plan = _mode_switches(project, planned, states[cluster])
        checks = cluster_checks[cluster]
        _record_random_fields(cluster_plan, render, checks.random)
        cluster_plan.checks_run, cluster_plan.checks = checks.checks_run, checks.findings
        cluster_plans.append(cluster_plan)
    progress.end_stage()
    plan = Plan(commit=current_commit(project.base_dir), clusters=cluster_plans)
    return PlanOutcome(plan, render, states)


def _check(  # noqa: PLR0917 - a private step of make_plan, called once
    project: Project,
    cluster: str,
    kube_version: str | None,
    render: RenderResult,
    state: StateDocument,
    backend: StateBackend,
    parsed: _Parsed,
    *,
    every_app: bool,
) -> ClusterChecks:
    """The pre-deploy checks of one cluster's renders (see ``sbkube_ci/checks``)."""
    deployed = {
        app: Deployed(
            recorded.input_digest,
            recorded.render_digest,
            _snapshot_loader(cluster, recorded.snapshot, backend),
        )
        for app, recorded in state.apps.items()
        if recorded.snapshot
    }
    return check_cluster(
        project.config.checks,
        kube_version=kube_version,
        apps=render.for_cluster(cluster),
        deployed=deployed,
        objects=parsed,
        cache_path=WorkDir(project.base_dir).checks(cluster),
        where=f"clusters.{cluster}",
        every_app=every_app,
    )


def _record_random_fields(
    planned: ClusterPlan, render: RenderResult, random: dict[str, list[RandomField]]
) -> None:
    """Each app's fields its chart renders at random, and the digest of the rest: a deploy
    on another runner renders them anew, and holds only the rest to the reviewed plan."""
    rendered = render.for_cluster(planned.name)
    for app_plan in planned.apps:
        fields = random.get(app_plan.name)
        if not fields or app_plan.name not in rendered:
            continue
        app_plan.random_fields = [
            RandomFieldRef(api_version=f.api_version, kind=f.kind, name=f.name, path=list(f.path))
            for f in fields
        ]
        app_plan.stable_digest = digest_without(
            rendered[app_plan.name].objects, field_rules(fields)
        )


def _mode_switches(project: Project, planned: ClusterPlan, state: StateDocument) -> ClusterPlan:
    """Apps whose ``deploy_mode`` changed since their deploy are updated, whatever the render.

    The same render deployed the other way must still move the objects to (or from) a helm
    release; the plan says so in the app's note.
    """
    for app_plan in planned.apps:
        deployed = state.apps.get(app_plan.name)
        app = project.config.apps.get(app_plan.name)
        if app_plan.action != "unchanged" or app_plan.error or deployed is None:
            continue
        if not isinstance(app, HelmApp):
            continue
        # An apply-mode deploy records its inventory; without one the mode is unknown.
        was = "helm" if deployed.helm is not None else "apply" if deployed.inventory else None
        if was is None or was == app.deploy_mode:
            continue
        app_plan.action = "update"
        note = (
            f"deploy_mode {was} -> {app.deploy_mode}: the live objects are adopted "
            f"{'into the helm release' if was == 'apply' else 'from the helm release'}, "
            "not recreated"
        )
        app_plan.note = note
    return planned


def _entries(
    project: Project,
    cluster: str,
    *,
    render: RenderResult,
    state: StateDocument,
    backend: StateBackend,
    names: Sequence[str] | None,
    parsed: _Parsed,
    random: dict[str, list[RandomField]],
) -> Entries:
    """(new render, deployed snapshot) per app: the diff engine's input for one cluster.

    Fields the checks found random in an app are left out of both sides: a chart's new
    password is not a change the reviewer asked for (the plan reports them as checks).
    """
    entries: Entries = {}
    for app, rendered in render.for_cluster(cluster).items():
        entries[app] = (_render_side(project, rendered, render.helm_version, parsed), None)
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
        old = _snapshot_side(cluster, deployed, backend)
        if new is not None and random.get(app):
            new, old = _without_random(new, old, random[app])
        entries[app] = (new, old)
    return entries


def _without_random(
    new: AppRender, old: AppSnapshot, fields: list[RandomField]
) -> tuple[AppRender, AppSnapshot]:
    rules = field_rules(fields)

    def strip(source: ObjectsSource) -> Callable[[], Objects]:
        def stripped() -> Objects:
            objects = copy.deepcopy(list(source() if callable(source) else source))
            for obj in objects:
                apply_rules(obj, rules)
            return objects

        return stripped

    return replace(new, objects=strip(new.objects)), replace(old, objects=strip(old.objects))


def _render_side(
    project: Project, rendered: RenderedApp, helm_version: str, parsed: _Parsed
) -> AppRender:
    app = project.config.apps[rendered.app]
    layers: tuple[str, ...] = ()
    if isinstance(app, HelmApp):
        cluster = project.config.effective_clusters()[rendered.cluster]
        found = values_layers(project.config, rendered.app, app, rendered.cluster, cluster)
        layers = tuple(layer.label for layer in found)
    return AppRender(
        values=layers,
        objects=lambda: parsed.take(rendered),
        render_digest=rendered.render_digest,
        input_digest=rendered.input_digest,
        helm_version=helm_version if isinstance(app, HelmApp) else None,
        source=rendered.pin.as_dict() if rendered.pin else {},
        cluster_source=_cluster_source(project, rendered),
    )


def _cluster_source(project: Project, rendered: RenderedApp) -> str | None:
    """ "chart version 2.x → 2.1.0 (clusters.prod.apps.web.version)", when the cluster sets it."""
    config, name, cluster = project.config, rendered.app, rendered.cluster
    if config.source_key(name, cluster) == name:
        return None
    override = config.effective_clusters()[cluster].apps[name]
    where = f"clusters.{cluster}.apps.{name}"
    if override.version is not None:
        pinned = rendered.pin.version if rendered.pin else None
        resolved = f" → {pinned}" if pinned and pinned != override.version else ""
        return f"chart version {override.version}{resolved} ({where}.version)"
    return f"path {override.path} ({where}.path)"


def _snapshot_loader(cluster: str, digest: str, backend: StateBackend) -> Callable[[], Objects]:
    """The deployed objects, Secret values left sealed: planning needs no state key."""
    return lambda: (
        load_objects(backend.load_snapshot(cluster, digest, reveal=False)) if digest else []
    )


def _snapshot_side(cluster: str, deployed: AppState, backend: StateBackend) -> AppSnapshot:
    return AppSnapshot(
        objects=_snapshot_loader(cluster, deployed.snapshot, backend),
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


def summary_markdown(plan_: Plan, masker: Masker, hint: str) -> str:
    """The job-summary version of the plan (within the step summary budget)."""
    return render_markdown(plan_, budget=STEP_SUMMARY, full_plan_hint=hint, masker=masker)
