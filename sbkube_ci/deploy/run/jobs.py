"""Which apps a deploy touches on one cluster, and how: the apps a plan marks as changing.

Exactly the apps the plan marks create/update/delete, and only if the render gives the
render digest the plan recorded ("what was reviewed is what is deployed"); the plan already
skips apps whose inputs did not change (quiet diffs). Exec apps are never planned: they run
when their commands changed since the last deploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sbkube_ci.config.apps import (
    ActionApp,
    App,
    ExecApp,
    GitApp,
    HelmApp,
    HookApp,
    HttpApp,
    KustomizeApp,
    NoopApp,
    YamlApp,
)
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.run.digests import action_digest, exec_digest, hook_digest
from sbkube_ci.diff.ignore import digest_without, field_rules
from sbkube_ci.errors import DeployError
from sbkube_ci.plan_model import AppPlan, ClusterPlan, RandomFieldRef
from sbkube_ci.render.result import RenderedApp
from sbkube_ci.state import AppState, StateDocument

Mode = Literal["apply", "helm", "exec", "action", "hook"]
TaskAction = Literal["create", "update", "delete"]
_APPLIED = (YamlApp, KustomizeApp, GitApp, HttpApp)


@dataclass(frozen=True)
class AppTask:
    """One app to deploy (or remove) on one cluster."""

    name: str
    action: TaskAction
    mode: Mode
    depends_on: tuple[str, ...] = ()
    rendered: RenderedApp | None = None
    input_digest: str = ""
    counts: tuple[int, int, int] = (0, 0, 0)  # objects added, changed, deleted (from a plan)
    helm_version: str = ""  # of the helm that rendered a helm app (the state records it)
    repair: bool = False  # deploy --force: take back fields other field managers changed
    random_fields: tuple[RandomFieldRef, ...] = ()  # apply mode keeps their deployed values


def mode_of(app: App) -> Mode | None:
    """How an app is deployed; None for app types deploy does not run (noop)."""
    if isinstance(app, HelmApp):
        return app.deploy_mode
    if isinstance(app, _APPLIED):
        return "apply"
    if isinstance(app, ExecApp):
        return "exec"
    if isinstance(app, ActionApp):
        return "action"
    if isinstance(app, HookApp):
        return "hook"
    return None


def depends_on(project: Project, app: App) -> tuple[str, ...]:
    """``app``'s dependencies, a noop app replaced by its own: a noop deploys nothing but
    still orders the apps around it (``a -> anchor (noop) -> b`` makes ``a`` wait for ``b``).
    """
    apps = project.config.apps
    found: list[str] = []
    seen: set[str] = set()
    pending = list(app.depends_on)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        dependency = apps.get(name)
        if isinstance(dependency, NoopApp):
            pending.extend(dependency.depends_on)
        else:
            found.append(name)
    return tuple(found)


def removed_mode(old: AppState) -> Mode:
    return "helm" if old.helm is not None else "apply"


def _run_once_task(project: Project, name: str, app: App, old: AppState | None) -> AppTask | None:
    """An exec/action/hook app to run: never run here, or its input changed since."""
    if isinstance(app, ExecApp):
        mode: Mode = "exec"
        digest = exec_digest(app)
    elif isinstance(app, ActionApp):
        mode, digest = "action", action_digest(app, project.base_dir)
    elif isinstance(app, HookApp):
        mode, digest = "hook", hook_digest(app, project.base_dir)
    else:
        return None
    if old is not None and old.input_digest == digest:
        return None
    action: TaskAction = "create" if old is None else "update"
    return AppTask(name, action, mode, depends_on(project, app), input_digest=digest)


def from_plan(
    project: Project,
    plan: ClusterPlan,
    rendered: Mapping[str, RenderedApp],
    state: StateDocument,
    *,
    helm_version: str = "",
) -> dict[str, AppTask]:
    """The apps the plan marks create/update/delete; refuses if a re-render differs."""
    tasks: dict[str, AppTask] = {}
    for planned in plan.apps:
        if planned.error:
            raise DeployError(
                f"cluster {plan.name}: app {planned.name} failed to render in the plan "
                f"({planned.error.splitlines()[0]}); fix it and plan again"
            )
        if planned.action == "delete":
            old = state.apps.get(planned.name)
            if old is not None:
                tasks[planned.name] = AppTask(
                    planned.name, "delete", removed_mode(old), counts=_counts(planned)
                )
        elif planned.action != "unchanged":
            tasks[planned.name] = _deploy_task(project, plan.name, planned, rendered, helm_version)
    return {**tasks, **_exec_tasks(project, state)}


def _deploy_task(
    project: Project,
    cluster: str,
    planned: AppPlan,
    rendered: Mapping[str, RenderedApp],
    helm_version: str,
) -> AppTask:
    app = project.config.apps.get(planned.name)
    mode = mode_of(app) if app is not None else None
    if app is None or mode is None or planned.action == "unchanged":
        raise DeployError(
            f"cluster {cluster}: the plan deploys app {planned.name}, which is not a "
            "deployable app of sbkube.yaml any more; plan again"
        )
    current = _check_digest(cluster, planned, rendered)
    return AppTask(
        planned.name,
        "create" if planned.action == "create" else "update",
        mode,
        depends_on(project, app),
        current,
        current.input_digest,
        _counts(planned),
        helm_version if isinstance(app, HelmApp) else "",
        random_fields=tuple(planned.random_fields),
    )


def repair_task(
    project: Project,
    name: str,
    rendered: RenderedApp,
    *,
    helm_version: str = "",
    random_fields: tuple[RandomFieldRef, ...] = (),
) -> AppTask:
    """Re-apply an app the plan leaves unchanged (``deploy --force``: its live objects drifted)."""
    app = project.config.apps[name]
    mode = mode_of(app)
    if mode not in ("apply", "helm"):
        raise DeployError(f"app {name}: only yaml, kustomize, git, http and helm apps re-apply")
    return AppTask(
        name,
        "update",
        mode,
        depends_on(project, app),
        rendered,
        rendered.input_digest,
        helm_version=helm_version if isinstance(app, HelmApp) else "",
        repair=True,
        random_fields=random_fields,
    )


def _counts(planned: AppPlan) -> tuple[int, int, int]:
    return (planned.added, planned.changed, planned.deleted)


def _exec_tasks(project: Project, state: StateDocument) -> dict[str, AppTask]:
    """Exec, action, hook apps are never planned (a PR must not run them); they run when changed."""
    tasks = {}
    for name, app in sorted(project.config.enabled_apps().items()):
        if not project.config.enabled_on(name, state.cluster):
            continue  # clusters.<cluster>.apps.<app>.enabled: false
        task = _run_once_task(project, name, app, state.apps.get(name))
        if task is not None:
            tasks[name] = task
    return tasks


def _check_digest(
    cluster: str, planned: AppPlan, renders: Mapping[str, RenderedApp]
) -> RenderedApp:
    """The app's new render, when it is the reviewed one.

    A chart that renders fields at random (a generated password) renders them anew on every
    runner without the plan job's cache; the reviewed diff left them out, so the render is
    held to the rest (``stable_digest``) and only those fields may differ.
    """
    app = planned.name
    rendered = renders.get(app)
    if rendered is None:
        raise DeployError(f"cluster {cluster}: app {app} did not render; plan again")
    if planned.render_digest == rendered.render_digest:
        return rendered
    rules = field_rules(planned.random_fields)
    if planned.stable_digest and digest_without(rendered.objects, rules) == planned.stable_digest:
        return rendered
    raise DeployError(
        f"cluster {cluster}: app {app} renders differently from the reviewed plan "
        f"({_short(planned.render_digest)} planned, {_short(rendered.render_digest)} now); what "
        "was reviewed is what is deployed: plan again and review the new diff"
    )


def _short(digest: str | None) -> str:
    return (digest or "none").removeprefix("sha256:")[:12]
