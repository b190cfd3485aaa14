"""Pruning: deleting what an app's previous deploy applied and this one no longer does."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sbkube_ci.deploy.apply.namespaces import kept_namespaces
from sbkube_ci.deploy.apply.result import ObjectOutcome, ObjectResult
from sbkube_ci.deploy.kube.errors import UnknownKindError
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import APP_LABEL, FIELD_MANAGER, MANAGED_BY_LABEL, ObjectRef


def prune(
    live: LiveObjects,
    previous: Sequence[ObjectRef],
    inventory: Sequence[ObjectRef],
    *,
    app: str,
    dry_run: bool,
    deadline: float,
    protected_namespaces: Collection[str] = (),
) -> list[ObjectResult]:
    """Delete objects of ``previous`` missing from ``inventory``, dependents first.

    Only objects still labelled as sbkube-ci's and this app's are deleted; others are reported
    as kept, as are the ``protected_namespaces`` (still used by an app). With ``dry_run``
    nothing is deleted and the result says what would be.
    """
    current = set(inventory)
    gone = sorted((r for r in previous if r not in current), key=ObjectRef.key, reverse=True)
    results = kept_namespaces(gone, protected_namespaces)
    kept = {result.ref for result in results}
    for ref in gone:
        if ref in kept:
            continue
        result = _prune_one(live, ref, app=app, dry_run=dry_run, deadline=deadline)
        if result is not None:
            results.append(result)
    return results


def _prune_one(
    live: LiveObjects, ref: ObjectRef, *, app: str, dry_run: bool, deadline: float
) -> ObjectResult | None:
    try:
        resource = live.client.resource(ref.api_version, ref.kind)
    except UnknownKindError:
        return None  # the kind itself is gone (its CRD was removed), so is the object
    obj = live.get(ref, resource)
    if obj is None:
        return None
    labels = (obj.get("metadata") or {}).get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != FIELD_MANAGER or labels.get(APP_LABEL) != app:
        owner = labels.get(APP_LABEL) or labels.get(MANAGED_BY_LABEL) or "nobody"
        note = f"not pruned: labelled as managed by {owner}, not sbkube-ci app {app}"
        return ObjectResult(ref, ObjectOutcome.KEPT, note=note)
    if not dry_run:
        live.delete(ref, resource, deadline=deadline)
    return ObjectResult(ref, ObjectOutcome.PRUNED)
