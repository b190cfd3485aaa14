"""``on_failure: rollback``: after a failed app, put it back to what the state records.

Apply mode re-applies the previous snapshot, pruning what the failed deploy created beyond
it; helm mode runs ``helm rollback`` to the recorded release revision; an app deployed for
the first time has what it created removed. The state is left as it was (it already
records the revision that is now live again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from sbkube_ci.deploy.run.record import from_state_refs
from sbkube_ci.deploy.run.report import AppResult, AppStatus
from sbkube_ci.deploy.run.session import Session
from sbkube_ci.errors import SbkubeError
from sbkube_ci.k8s import ObjectRef
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.state import AppState, StateBackend, StateDocument


def roll_back_failed(
    session: Session,
    backend: StateBackend,
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
            note = _roll_back(session, backend, name, old, partial)
        except SbkubeError as exc:
            note = f"rollback failed too: {session.mask(str(exc))}"
            results[name] = _with_detail(result, "failed", note)
            continue
        results[name] = _with_detail(result, "rolled back", note)


def _roll_back(
    session: Session,
    backend: StateBackend,
    name: str,
    old: AppState | None,
    partial: Sequence[ObjectRef],
) -> str:
    keep = session.other_namespaces(name)  # a namespace it created may hold other apps now
    if old is None:
        session.applier.apply_app(
            name, [], partial, namespace=session.namespace(name), keep_namespaces=keep
        )
        return "rolled back: removed what this deploy created"
    if old.helm is not None:
        if old.helm.revision is None:
            return "not rolled back: no helm revision recorded (use atomic: true)"
        session.helm.rollback(name, old.helm.name, old.helm.namespace, old.helm.revision)
        return f"rolled back to helm revision {old.helm.revision}"
    objects = load_objects(backend.load_snapshot(session.cluster_name, old.snapshot))
    previous = sorted({*from_state_refs(old.inventory), *partial}, key=ObjectRef.key)
    session.applier.apply_app(
        name,
        objects,
        previous,
        namespace=session.namespace(name),
        event="rollback",
        keep_namespaces=keep,
    )
    return f"rolled back to r{old.revision}"


def _with_detail(result: AppResult, status: AppStatus, note: str) -> AppResult:
    detail = f"{result.detail}; {note}" if result.detail else note
    return replace(result, result=status, detail=detail)
