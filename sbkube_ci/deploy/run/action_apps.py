"""Action apps: ``apply`` and ``delete`` of manifest files, in order, at deploy time only.

Like exec apps they are never planned and run again only when their input (the actions and
the content of the files they name) changed since the last deploy. ``apply`` goes through the
Applier (server-side apply, app labels, readiness); ``delete`` deletes the objects the files
name, ignoring those already gone. A dry run sends the applies with ``dryRun=All`` and deletes
nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sbkube_ci.config.apps import ActionApp
from sbkube_ci.deploy.kube.errors import UnknownKindError
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.deploy.run.manifests import read_objects
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import ObjectRef

if TYPE_CHECKING:
    from sbkube_ci.deploy.run.session import Session


def run_actions(session: Session, name: str, app: ActionApp) -> list[ObjectRef]:
    """Run the actions in order; the inventory is what was applied and not deleted after."""
    base = session.project.base_dir
    applied: dict[ObjectRef, None] = {}
    for index, action in enumerate(app.actions):
        what = f"{session.cluster_name}/{name} action {index + 1} ({action.type} {action.path})"
        objects = read_objects(base, action.path, what)
        namespace = action.namespace or session.namespace(name)
        if action.type == "apply":
            result = session.applier.apply_app(
                name,
                objects,
                [],
                namespace=namespace,
                dry_run=session.dry_run,
                timeout=session.timeout(app),
            )
            applied.update(dict.fromkeys(result.inventory))
            session.echo(session.mask(f"{what}: applied {len(result.inventory)} object(s)"))
        else:
            gone = _delete(session, objects, namespace, what)
            for ref in gone:
                applied.pop(ref, None)
    return sorted(applied, key=ObjectRef.key)


def _delete(
    session: Session, objects: list[dict[str, Any]], namespace: str, what: str
) -> list[ObjectRef]:
    """Delete ``objects`` (dependents first), or say what would be deleted in a dry run."""
    live = LiveObjects(session.connection.client)
    refs = []
    for obj in objects:
        ref = ObjectRef.of(obj)
        try:
            resource = session.connection.client.resource(ref.api_version, ref.kind)
        except UnknownKindError:
            continue  # the kind is not served, so no such object exists
        scoped = ObjectRef(
            ref.api_version,
            ref.kind,
            (ref.namespace or namespace) if resource.namespaced else None,
            ref.name,
        )
        refs.append((scoped, resource))
    refs.sort(key=lambda pair: pair[0].key(), reverse=True)
    deadline = _deadline(session)
    for ref, resource in refs:
        if session.dry_run:
            session.echo(session.mask(f"{what}: dry run: would delete {ref}"))
            continue
        try:
            live.delete(ref, resource, deadline=deadline)
        except DeployError as exc:
            raise DeployError(f"{what}: {exc}") from None
        session.echo(session.mask(f"{what}: deleted {ref}"))
    return [ref for ref, _ in refs]


def _deadline(session: Session) -> float:
    return time.monotonic() + session.timeout(None)
