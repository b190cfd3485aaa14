"""Helm chart hooks in apply mode, run the way helm runs them (``pkg/action/hooks.go``).

For one event (``pre-install``, ``post-upgrade``, ``pre-delete``, ...) every hook of that event
runs in helm's order: by weight, then name, then kind in its install order (a stable sort by
weight and name of hooks already sorted by kind), although helm's docs say kind before name.
That is what the real helm 3.18 and 4.3.1 binaries do, measured in
tests/e2e/test_hook_order.py (helm/helm#12495, which sorts by kind first, is in neither).
Unknown kinds go after known ones, by kind name.

Each hook is created after ``before-hook-creation`` removed the previous one; a Job must
complete and a Pod succeed within the app's timeout, every other kind is ready once created.
A failed hook is deleted if it asks for ``hook-failed`` and fails the event.
``hook-succeeded`` deletions happen only after every hook of the event succeeded, in reverse
order, so a Job can still use the hook ServiceAccount a lower weight created. Hook
CustomResourceDefinitions are never deleted, as in helm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sbkube_ci import k8s
from sbkube_ci.deploy.apply.result import ObjectResult
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import HELM_INSTALL_ORDER, ObjectRef

HookEvent = Literal["install", "upgrade", "rollback", "delete"]

_RANK = {kind: rank for rank, kind in enumerate(HELM_INSTALL_ORDER)}
_NEVER_DELETED = "CustomResourceDefinition"


def hook_sort_key(obj: dict[str, Any]) -> tuple[int | str, ...]:
    """helm's ``hookByWeight`` order: weight, name, kind (kinds by install order, unknown
    ones last by kind name)."""
    hook = k8s.hook_of(obj)
    weight = hook.weight if hook else 0
    kind, name = str(obj.get("kind", "")), str((obj.get("metadata") or {}).get("name", ""))
    by_kind: tuple[int | str, ...] = (0, _RANK[kind], "") if kind in _RANK else (1, 0, kind)
    return (weight, name, *by_kind)


def event_hooks(
    objects: Sequence[dict[str, Any]], event: str
) -> list[tuple[k8s.Hook, dict[str, Any]]]:
    """The hooks of ``event`` (``pre-install``, ...) among ``objects``, in helm's run order."""
    found = [(hook, obj) for obj in objects if (hook := k8s.hook_of(obj)) is not None]
    return sorted(
        ((hook, obj) for hook, obj in found if event in hook.events),
        key=lambda pair: hook_sort_key(pair[1]),
    )


@dataclass(frozen=True)
class HookActions:
    """What running a hook needs from the applier, for one app's deploy."""

    app: str
    dry_run: bool
    apply: Callable[[dict[str, Any]], ObjectResult]
    delete: Callable[[dict[str, Any]], None]
    wait: Callable[[dict[str, Any]], None]  # returns when a Job/Pod hook finished


def run_event(
    event: str, objects: Sequence[dict[str, Any]], actions: HookActions
) -> list[ObjectResult]:
    """Run every hook of ``event`` in helm's order; raises DeployError when one fails."""
    executing = event_hooks(objects, event)
    results = []
    for hook, obj in executing:
        if actions.dry_run:
            results.append(actions.apply(obj))
            continue
        if _deletes(hook, obj, k8s.BEFORE_HOOK_CREATION):
            actions.delete(obj)
        result = actions.apply(obj)
        results.append(result)
        try:
            actions.wait(obj)
        except DeployError as exc:
            if _deletes(hook, obj, k8s.HOOK_FAILED):
                actions.delete(obj)
            raise DeployError(
                f"app {actions.app}: {event} hook {result.ref} failed: {exc}"
            ) from exc
    if not actions.dry_run:
        for hook, obj in reversed(executing):
            if _deletes(hook, obj, k8s.HOOK_SUCCEEDED):
                actions.delete(obj)
    return results


def _deletes(hook: k8s.Hook, obj: dict[str, Any], policy: str) -> bool:
    return policy in hook.delete_policies and obj.get("kind") != _NEVER_DELETED


def needs_wait(ref: ObjectRef) -> bool:
    """helm waits for Jobs and Pods among hooks; anything else is ready once created."""
    return ref.kind in ("Job", "Pod")
