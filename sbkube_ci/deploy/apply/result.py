"""What an apply did: what happened to each object (``ObjectRef``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sbkube_ci.k8s import ObjectRef


class ObjectOutcome(enum.StrEnum):
    """What an apply did to one object."""

    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    PRUNED = "pruned"
    KEPT = "kept"  # in the previous inventory but not ours to delete (label missing or changed)


@dataclass(frozen=True)
class ObjectResult:
    ref: ObjectRef
    outcome: ObjectOutcome
    hook: bool = False
    note: str = ""


@dataclass
class ApplyResult:
    inventory: list[ObjectRef]
    results: list[ObjectResult]
    dry_run: bool

    def outcome(self, ref: ObjectRef) -> ObjectOutcome | None:
        return next((r.outcome for r in self.results if r.ref == ref and not r.hook), None)

    def refs(self, outcome: ObjectOutcome) -> list[ObjectRef]:
        return [r.ref for r in self.results if r.outcome is outcome]
