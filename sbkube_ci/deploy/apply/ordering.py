"""In which order objects are applied and pruned, and which Helm hook phase each belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sbkube_ci.kinds import KIND_ORDER

FOUNDATION_KINDS = frozenset({"Namespace", "CustomResourceDefinition"})

HOOK_ANNOTATION = "helm.sh/hook"
HOOK_WEIGHT_ANNOTATION = "helm.sh/hook-weight"
HOOK_DELETE_ANNOTATION = "helm.sh/hook-delete-policy"
BEFORE_HOOK_CREATION = "before-hook-creation"
HOOK_SUCCEEDED = "hook-succeeded"
HOOK_FAILED = "hook-failed"


def kind_rank(kind: str) -> int:
    """Position of ``kind`` in the apply order; kinds Helm does not list (custom) go last."""
    try:
        return KIND_ORDER.index(kind)
    except ValueError:
        return len(KIND_ORDER)


@dataclass(frozen=True)
class Hook:
    events: frozenset[str]
    weight: int
    delete_policies: frozenset[str]


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def hook_of(obj: dict[str, Any]) -> Hook | None:
    """The Helm hook an object declares, or None for an ordinary object."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    events = annotations.get(HOOK_ANNOTATION)
    if not events:
        return None
    try:
        weight = int(annotations.get(HOOK_WEIGHT_ANNOTATION, "0"))
    except ValueError:
        weight = 0  # Helm also treats an unparsable weight as 0
    # Helm's default when a hook names no policy.
    policies = _split(annotations.get(HOOK_DELETE_ANNOTATION, "")) or {BEFORE_HOOK_CREATION}
    return Hook(_split(events), weight, frozenset(policies))
