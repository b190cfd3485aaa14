"""Putting an app back to a recorded revision: ``on_failure: rollback`` and ``rollback``.

Apply mode re-applies the revision's snapshot and prunes what the live inventory has beyond
it; helm mode runs ``helm rollback`` to the recorded release revision. The two callers differ
only in what they do around it: after a failed deploy the state is left as it was (it
already records the revision that is live again, and an app deployed for the first time has
what it created removed); the ``rollback`` verb records the result as a new revision, under
the cluster lock (r5 back to r3's content is r6, of kind rollback).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sbkube_ci._retry import RetryReport
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.kube.connection import connect
from sbkube_ci.deploy.run.record import Deployed, Recorder, from_state_refs
from sbkube_ci.deploy.run.report import AppResult, AppStatus
from sbkube_ci.deploy.run.session import Session, open_session
from sbkube_ci.errors import DeployError, SbkubeError, StateError
from sbkube_ci.k8s import ObjectRef
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.state import AppState, HelmReleaseRef, StateBackend, StateDocument


@dataclass(frozen=True)
class RestorePoint:
    """One revision of an app that history can return to."""

    revision: int
    kind: str
    time: str
    actor: str
    commit: str
    deployment: str
    snapshot: str
    helm_revision: int | None


def reapply_snapshot(
    session: Session, app: str, snapshot: str, live_inventory: Sequence[ObjectRef]
) -> list[ObjectRef]:
    """Apply mode: the snapshot's objects applied again, the rest of ``live_inventory`` pruned.

    Returns the inventory now live. Namespaces other apps deploy into are never pruned.
    """
    backend = session.backend
    if backend is None:
        raise StateError(f"app {app}: restoring a snapshot needs the state backend")
    objects = load_objects(backend.load_snapshot(session.cluster_name, snapshot))
    result = session.applier.apply_app(
        app,
        objects,
        sorted(set(live_inventory), key=ObjectRef.key),
        namespace=session.namespace_or_default(app),
        timeout=float(session.project.config.settings.timeout),
        event="rollback",
        keep_namespaces=session.other_namespaces(app),
    )
    return list(result.inventory)


def helm_rollback(session: Session, app: str, release: HelmReleaseRef, revision: int) -> int | None:
    """Helm mode: ``helm rollback`` to ``revision``; returns the release revision now live."""
    session.helm.rollback(app, release.name, release.namespace, revision)
    history = session.helm.history(app, release.name, release.namespace)
    return history[-1].revision if history else None


def roll_back_failed(
    session: Session,
    state: StateDocument,
    results: dict[str, AppResult],
    partial_inventories: Mapping[str, Sequence[ObjectRef]],
) -> None:
    """Put each failed app back to what ``state`` records; ``results`` are updated in place."""
    for name, result in sorted(results.items()):
        if result.result != "failed":
            continue
        old = state.apps.get(name)
        partial = partial_inventories.get(name, [])
        try:
            note = _roll_back_failed(session, name, old, partial)
        except SbkubeError as exc:
            note = f"rollback failed too: {session.mask(str(exc))}"
            results[name] = _with_detail(result, "failed", note)
            continue
        results[name] = _with_detail(result, "rolled back", note)


def _roll_back_failed(
    session: Session, name: str, old: AppState | None, partial: Sequence[ObjectRef]
) -> str:
    if old is None:
        keep = session.other_namespaces(name)  # a namespace it created may hold other apps now
        session.applier.apply_app(
            name, [], partial, namespace=session.namespace(name), keep_namespaces=keep
        )
        return "rolled back: removed what this deploy created"
    if old.helm is not None:
        if old.helm.revision is None:
            return "not rolled back: no helm revision recorded (use atomic: true)"
        helm_rollback(session, name, old.helm, old.helm.revision)
        return f"rolled back to helm revision {old.helm.revision}"
    reapply_snapshot(session, name, old.snapshot, [*from_state_refs(old.inventory), *partial])
    return f"rolled back to r{old.revision}"


def _with_detail(result: AppResult, status: AppStatus, note: str) -> AppResult:
    detail = f"{result.detail}; {note}" if result.detail else note
    return replace(result, result=status, detail=detail)


def roll_back_app(
    project: Project,
    backend: StateBackend,
    cluster: str,
    app: str,
    chosen: RestorePoint,
    *,
    on_retry: RetryReport | None = None,
) -> AppState:
    """Restore ``chosen`` and record it as a new revision; the lock is held throughout."""
    started = time.monotonic()
    with backend.locked(cluster, reason=f"rollback {app} to r{chosen.revision}") as held:
        state = backend.read_state(cluster)
        current = state.apps.get(app)
        if current is None:
            raise StateError(f"app {app}: removed from cluster {cluster} meanwhile")
        settings = project.config.settings
        config = project.config.effective_clusters()[cluster]
        with connect(
            cluster, config, settings, base_dir=project.base_dir, on_retry=on_retry
        ) as connection:
            session = open_session(project, connection, backend)
            session.state = state
            deployed = _restore(session, backend, app, current, chosen)
        record = backend.new_record(
            "rollback", cluster, commit=chosen.commit, detail=f"{app} back to r{chosen.revision}"
        )
        recorder = Recorder(backend, cluster, record, state.revision, held)
        new = recorder.save(deployed)
        recorder.finish("succeeded", time.monotonic() - started, record.detail)
        return new


def _restore(
    session: Session, backend: StateBackend, app: str, current: AppState, chosen: RestorePoint
) -> Deployed:
    cluster = session.cluster_name
    live = from_state_refs(current.inventory)
    if current.helm is not None:
        if chosen.helm_revision is None:
            raise DeployError(f"app {app}: r{chosen.revision} recorded no helm release revision")
        now = helm_rollback(session, app, current.helm, chosen.helm_revision)
        ref = HelmReleaseRef(name=current.helm.name, namespace=current.helm.namespace, revision=now)
        # helm keeps its own release history: the snapshot is only recorded, sealed as stored
        manifests = (
            backend.load_snapshot(cluster, chosen.snapshot, reveal=False) if chosen.snapshot else ""
        )
        return Deployed(app, chosen.snapshot, "", None, live, manifests, ref)
    if not chosen.snapshot:
        raise StateError(f"app {app}: r{chosen.revision} has no snapshot recorded")
    inventory = reapply_snapshot(session, app, chosen.snapshot, live)
    manifests = backend.load_snapshot(cluster, chosen.snapshot)
    # The render digest of a snapshot is the digest of its text: both hash the same bytes.
    return Deployed(app, chosen.snapshot, "", None, inventory, manifests)
