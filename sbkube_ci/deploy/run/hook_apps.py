"""Hook tasks: the ``hook`` app's ``tasks`` and an app's ``pre_/post_deploy_tasks`` and
``pre_/post_deploy_manifests``, at deploy time only.

``manifests`` and ``inline`` tasks are applied with the Applier (server-side apply, the app's
labels, readiness waits; nothing pruned); ``command`` tasks run through ``ShellRunner`` with
their ``retry`` and ``on_failure``. ``SBKUBE_ALLOW_EXEC=false`` fails a command task whatever
its ``on_failure`` says: that switch is a policy, not a flaky command.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sbkube_ci.config.hooks import AppHooks, CommandTask, HookTask, InlineTask
from sbkube_ci.deploy.run.manifests import read_objects
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import ObjectRef

if TYPE_CHECKING:
    from sbkube_ci.deploy.run.session import Session


def run_tasks(session: Session, app: str, stage: str, tasks: Sequence[HookTask]) -> list[ObjectRef]:
    """Run ``tasks`` in order for ``app``; returns what they applied."""
    applied: list[ObjectRef] = []
    for task in tasks:
        what = f"{session.cluster_name}/{app} {stage}task {task.name}"
        if isinstance(task, CommandTask):
            _command(session, app, what, task)
        elif isinstance(task, InlineTask):
            content = task.content if isinstance(task.content, list) else [task.content]
            applied += _apply(session, app, what, content)
        else:
            objects = [
                o for f in task.files for o in read_objects(session.project.base_dir, f, what)
            ]
            applied += _apply(session, app, what, objects)
    return applied


def run_manifests(session: Session, app: str, stage: str, files: Sequence[str]) -> None:
    """Apply ``pre_deploy_manifests``/``post_deploy_manifests`` of ``app``."""
    if not files:
        return
    what = f"{session.cluster_name}/{app} {stage}"
    _apply(session, app, what, _read(session, files, what))


def _read(session: Session, files: Sequence[str], what: str) -> list[dict[str, Any]]:
    return [o for f in files for o in read_objects(session.project.base_dir, f, what)]


def run_pre(session: Session, app: str, hooks: AppHooks) -> None:
    run_manifests(session, app, "pre_deploy_manifests", hooks.pre_deploy_manifests)
    run_tasks(session, app, "pre_deploy_tasks ", hooks.pre_deploy_tasks)


def run_post(session: Session, app: str, hooks: AppHooks) -> None:
    run_manifests(session, app, "post_deploy_manifests", hooks.post_deploy_manifests)
    run_tasks(session, app, "post_deploy_tasks ", hooks.post_deploy_tasks)


def _apply(
    session: Session, app: str, what: str, objects: Sequence[dict[str, Any]]
) -> list[ObjectRef]:
    try:
        result = session.applier.apply_app(
            app,
            objects,
            [],
            namespace=session.namespace(app),
            dry_run=session.dry_run,
            timeout=session.timeout(session.project.config.apps.get(app)),
            keep_namespaces=session.other_namespaces(app),
        )
    except DeployError as exc:
        raise DeployError(f"{what}: {exc}") from None
    session.echo(session.mask(f"{what}: applied {len(result.inventory)} object(s)"))
    return list(result.inventory)


def _command(session: Session, app: str, what: str, task: CommandTask) -> None:
    command = task.command if isinstance(task.command, str) else shlex.join(task.command)
    runner = session.runner(app)
    runner.check_allowed(what)
    if session.dry_run:
        session.echo(session.mask(f"{what}: dry run: would run `{command}`"))
        return
    try:
        runner.run_all(what, [command], retry=task.retry.max_attempts - 1, delay=task.retry.delay)
    except DeployError as exc:
        if task.on_failure == "fail":
            raise
        label = "warning" if task.on_failure == "warn" else "ignored"
        session.echo(session.mask(f"{label}: {exc} (on_failure: {task.on_failure})"))
