"""What an apply did: the identity of each object (``ObjectRef``) and what happened to it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sbkube_ci.deploy.apply.ordering import kind_rank

# How sbkube-ci marks what it owns; prune deletes nothing without both labels.
FIELD_MANAGER = "sbkube-ci"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
APP_LABEL = "sbkube.io/app"
CLUSTER_LABEL = "sbkube.io/cluster"


@dataclass(frozen=True)
class ObjectRef:
    """Identity of one applied object, as recorded in a state inventory."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        return cls(obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObjectRef:
        return cls(data["apiVersion"], data["kind"], data.get("namespace"), data["name"])

    def to_dict(self) -> dict[str, str]:
        data = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            data["namespace"] = self.namespace
        return data

    def key(self) -> tuple[int, str, str, str, str]:
        """Sort key: apply order of the kind, then namespace, kind, name, apiVersion."""
        rank = kind_rank(self.kind)
        return (rank, self.namespace or "", self.kind, self.name, self.api_version)

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


class Action(enum.StrEnum):
    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    PRUNED = "pruned"
    KEPT = "kept"  # in the previous inventory but not ours to delete (label missing or changed)


@dataclass(frozen=True)
class ObjectResult:
    ref: ObjectRef
    action: Action
    hook: bool = False
    note: str = ""


@dataclass
class ApplyResult:
    inventory: list[ObjectRef]
    results: list[ObjectResult]
    dry_run: bool

    def action(self, ref: ObjectRef) -> Action | None:
        return next((r.action for r in self.results if r.ref == ref and not r.hook), None)

    def refs(self, action: Action) -> list[ObjectRef]:
        return [r.ref for r in self.results if r.action is action]
