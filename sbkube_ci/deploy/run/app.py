"""Deploying one app on one connected cluster: apply mode, helm mode, exec apps and removals.

Each step returns what the state records of the app (``Deployed``), or None for a removal.
Hooks around the app (``pre_deploy``, ``post_deploy``, ``on_deploy_failure``) run here too,
through ``ShellRunner``: only at deploy time, never in plan, masked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sbkube_ci.config.apps import ActionApp, App, ExecApp, HelmApp, HookApp
from sbkube_ci.deploy.apply.adoption import forget_helm_release
from sbkube_ci.deploy.run.action_apps import run_actions
from sbkube_ci.deploy.run.helm_apps import deploy_release
from sbkube_ci.deploy.run.hook_apps import run_post, run_pre, run_tasks
from sbkube_ci.deploy.run.jobs import AppTask
from sbkube_ci.deploy.run.random_values import Objects, keep_deployed
from sbkube_ci.deploy.run.record import Deployed, from_state_refs
from sbkube_ci.deploy.run.session import Session
from sbkube_ci.errors import DeployError, StateError
from sbkube_ci.k8s import ObjectRef, hook_of
from sbkube_ci.render.digest import render_digest
from sbkube_ci.render.normalize import dump_objects
from sbkube_ci.render.result import RenderedApp
from sbkube_ci.state import AppState, HelmReleaseRef
from sbkube_ci.state.sealing import KEY_ENV
from sbkube_ci.terminal import plural


def run_task(session: Session, task: AppTask, old: AppState | None) -> Deployed | None:
    """Deploy (or remove) one app with its hooks; raises DeployError naming it on failure."""
    app = session.project.config.apps.get(task.name)
    what = f"{session.cluster_name}/{task.name}"
    hooks = app.hooks if app is not None and not session.dry_run else None
    if hooks is not None:
        session.runner(task.name).run_all(f"{what} pre_deploy", hooks.pre_deploy)
        run_pre(session, task.name, hooks)
    try:
        deployed = _dispatch(session, task, app, old)
    except DeployError:
        if hooks is not None:
            _failure_hooks(session, task.name, hooks.on_deploy_failure)
        raise
    if hooks is not None:
        run_post(session, task.name, hooks)
        session.runner(task.name).run_all(f"{what} post_deploy", hooks.post_deploy)
    return deployed


def _failure_hooks(session: Session, app: str, commands: list[str]) -> None:
    """Run ``on_deploy_failure``; its own failure is shown but never hides the app's error."""
    what = f"{session.cluster_name}/{app} on_deploy_failure"
    try:
        session.runner(app).run_all(what, commands)
    except DeployError as exc:
        session.echo(session.mask(f"{what} failed too: {exc}"))


def _dispatch(
    session: Session, task: AppTask, app: App | None, old: AppState | None
) -> Deployed | None:
    if task.action == "delete":
        remove_app(session, task.name, old)
        return None
    if isinstance(app, ExecApp):
        return _exec(session, task, app)
    if isinstance(app, ActionApp):
        refs = run_actions(session, task.name, app)
        return Deployed(task.name, input_digest=task.input_digest, inventory=refs)
    if isinstance(app, HookApp):
        refs = sorted(set(run_tasks(session, task.name, "", app.tasks)), key=ObjectRef.key)
        return Deployed(task.name, input_digest=task.input_digest, inventory=refs)
    if isinstance(app, HelmApp) and task.mode == "helm":
        return _helm(session, task, old)
    return _apply(session, task, app, old)


def _apply(session: Session, task: AppTask, app: App | None, old: AppState | None) -> Deployed:
    # An app leaving helm mode takes over the fields helm's field manager owns (adoption); a
    # drift repair takes back the fields another manager changed.
    from_helm = old is not None and old.helm is not None
    force = from_helm or task.repair or bool(getattr(app, "force_conflicts", False))
    rendered = rendered_of(task).objects
    kept = _keeping_random_values(session, task, old, rendered)
    objects = kept if kept is not None else rendered
    result = session.applier.apply_app(
        task.name,
        objects,
        from_state_refs(old.inventory) if old else [],
        namespace=session.namespace(task.name),
        dry_run=session.dry_run,
        force_conflicts=force,
        timeout=session.timeout(app),
        event="install" if old is None else "upgrade",
        keep_namespaces=session.other_namespaces(task.name),
    )
    if from_helm and old is not None and old.helm is not None and not session.dry_run:
        release = old.helm
        records = forget_helm_release(
            session.connection.client, release=release.name, namespace=release.namespace
        )
        session.echo(
            f"{session.cluster_name}/{task.name}: adopted the objects of helm release "
            f"{release.name} into apply mode ({records} release record(s) removed)"
        )
    return _deployed(task, result.inventory, applied=kept)


def _keeping_random_values(
    session: Session, task: AppTask, old: AppState | None, objects: Objects
) -> Objects | None:
    """``objects`` with the chart's random fields set to their deployed values (see
    ``random_values``); None to apply the render as it is (nothing deployed or kept, or the
    snapshot unreadable: then the values change, and the log says why)."""
    if not task.random_fields or old is None or not old.snapshot:
        return None
    what = f"{session.cluster_name}/{task.name}"
    try:
        deployed = session.snapshot(old)
    except StateError:
        session.echo(
            f"{what}: the chart's random fields get new values: the deployed Secret values "
            f"cannot be read here; set {KEY_ENV} to the state's age key to keep them, or set the "
            "values the random-render check names"
        )
        return None
    session.learn_secrets(deployed)  # their values may now be applied, and quoted in an error
    kept, count = keep_deployed(objects, deployed, task.random_fields)
    if not count:
        return None
    session.echo(f"{what}: kept the deployed value of {plural(count, 'random field')}")
    return kept


def _exec(session: Session, task: AppTask, app: ExecApp) -> Deployed:
    what = f"{session.cluster_name}/{task.name}"
    if session.dry_run:
        session.echo(session.mask(f"{what}: dry run: would run {len(app.commands)} command(s)"))
    else:
        session.runner(task.name).run_all(what, app.commands)
    return Deployed(task.name, input_digest=task.input_digest)


def _helm(session: Session, task: AppTask, old: AppState | None) -> Deployed:
    release, refs = deploy_release(session, task, old)
    return _deployed(task, refs, helm=release)


def remove_app(session: Session, app: str, old: AppState | None) -> None:
    """Prune everything a removed app deployed, or uninstall its helm release."""
    if old is None:
        return
    if old.helm is not None:
        session.helm.uninstall(
            app, old.helm.name, old.helm.namespace, dry_run=session.dry_run, timeout=600.0
        )
        # The release is gone; a namespace sbkube-ci created for it goes too, if unused.
        namespaces = [ref for ref in from_state_refs(old.inventory) if ref.kind == "Namespace"]
        session.applier.apply_app(
            app,
            [],
            namespaces,
            dry_run=session.dry_run,
            timeout=600.0,
            event="delete",
            keep_namespaces=session.other_namespaces(app),
        )
        _hand_over_namespaces(session, app, old)
        return
    # The chart's pre-/post-delete hooks run around the prune, from the deployed snapshot.
    hooks = [obj for obj in session.snapshot(old) if hook_of(obj)]
    session.applier.apply_app(
        app,
        hooks,
        from_state_refs(old.inventory),
        namespace=session.namespace_or_default(app),
        dry_run=session.dry_run,
        timeout=600.0,
        event="delete",
        keep_namespaces=session.other_namespaces(app),
    )
    _hand_over_namespaces(session, app, old)


def _hand_over_namespaces(session: Session, app: str, old: AppState) -> None:
    """Namespaces the removed app created and other apps still use pass to one of them."""
    if session.dry_run:
        return
    config = session.project.config
    for ref in old.inventory:
        if ref.kind != "Namespace":
            continue
        users = sorted(
            name
            for name in config.enabled_apps()
            if name != app and config.namespace_of(name, session.cluster) == ref.name
        )
        if users and session.applier.namespaces.hand_over(ref.name, from_app=app, to_app=users[0]):
            session.echo(
                f"{session.cluster_name}/{app}: namespace {ref.name} now belongs to app {users[0]}"
            )


def _deployed(
    task: AppTask,
    refs: Sequence[ObjectRef],
    helm: HelmReleaseRef | None = None,
    *,
    applied: Objects | None = None,
) -> Deployed:
    """What the state records; ``applied``: the objects applied, when not the render's own."""
    rendered = rendered_of(task)
    text, digest = rendered.text, rendered.render_digest
    if applied is not None:
        text = dump_objects(applied)
        digest = render_digest(text)
    return Deployed(
        task.name,
        render_digest=digest,
        input_digest=rendered.input_digest,
        pin=rendered.pin,
        inventory=list(refs),
        manifests=text,
        helm=helm,
        helm_version=task.helm_version,
    )


def rendered_of(task: AppTask) -> RenderedApp:
    if task.rendered is None:  # a task is built with its render; this is a bug, not a user error
        raise DeployError(f"app {task.name}: internal error: no rendered manifests")
    return task.rendered
