"""The records the state backends store: state documents, history records, lock records.

All are JSON on the wire (sorted keys, two-space indent, so a Git diff of the state branch
reads well). Times are ISO-8601 UTC strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sbkube_ci import k8s

SCHEMA_VERSION = 1


class Record(BaseModel):
    """Strict: a field we do not know means a document we do not understand."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> bytes:
        text = self.model_dump_json(by_alias=True, indent=2)
        return (text + "\n").encode()


class InventoryEntry(Record):
    """``k8s.ObjectRef`` as the state stores it (an inventory row, used for pruning)."""

    api_version: str = Field(alias="apiVersion")
    kind: str
    namespace: str | None = None
    name: str

    @classmethod
    def of(cls, ref: k8s.ObjectRef) -> InventoryEntry:
        namespace = ref.namespace or None  # "" and None both mean cluster-scoped
        return cls(api_version=ref.api_version, kind=ref.kind, namespace=namespace, name=ref.name)

    def ref(self) -> k8s.ObjectRef:
        return k8s.ObjectRef(self.api_version, self.kind, self.namespace, self.name)


class SourcePin(Record):
    """A resolved source as ``sbkube.lock`` records it (``Pin.as_dict()`` validates as one)."""

    kind: str
    source: str
    digest: str
    version: str | None = None
    resolved_at: str = ""
    extra: dict[str, str] = {}


class HelmReleaseRef(Record):
    """The helm release a helm-mode app deployed: ``helm rollback`` and uninstall need it."""

    name: str
    namespace: str
    revision: int | None = Field(default=None, description="helm release revision deployed")


class AppState(Record):
    """What is deployed of one app on one cluster."""

    revision: int = Field(ge=0, description="Deploy revision of this app on this cluster (r42)")
    render_digest: str = ""
    input_digest: str = ""
    sources: list[SourcePin] = []
    inventory: list[InventoryEntry] = []
    commit: str = ""
    actor: str = ""
    deployed_at: str = ""
    deployment_id: str = ""
    snapshot: str = Field(default="", description="sha256:<hex> of the snapshot, or empty")
    helm_version: str = Field(default="", description="helm that rendered it, for plan notes")
    helm: HelmReleaseRef | None = Field(default=None, description="Set for deploy_mode: helm")


class StateDocument(Record):
    """Everything deployed on one cluster; ``revision`` counts the writes of this document."""

    schema_version: int = SCHEMA_VERSION
    cluster: str
    revision: int = 0
    updated_at: str = ""
    updated_by: str = ""
    apps: dict[str, AppState] = {}


HistoryKind = Literal["deploy", "rollback", "lock_takeover", "lock_break"]


class HistoryChange(Record):
    """One app in a history record; ``snapshot``/``helm_revision`` are what rollback returns to."""

    app: str
    old_revision: int | None = None
    new_revision: int | None = None
    # Both default to "unknown", so records written before they existed still parse.
    snapshot: str = ""
    helm_revision: int | None = None


class HistoryRecord(Record):
    """One append-only audit entry: a deployment, a rollback, a lock take-over or break."""

    id: str
    kind: HistoryKind
    time: str
    actor: str
    run_url: str = ""
    commit: str = ""
    cluster: str
    apps: list[HistoryChange] = []
    result: str = "succeeded"
    duration: float = 0.0
    detail: str = ""


class LockInfo(Record):
    """The lock record of a cluster; ``held`` is False once released (a tombstone)."""

    cluster: str
    held: bool = True
    owner: str
    run_url: str = ""
    reason: str = ""
    acquired_at: str
    expires_at: str
    lease: float = Field(ge=0, description="Seconds the lease lasts from acquire or renew")
    token: str = Field(description="Unique id of this acquisition")

    def expiry(self) -> float:
        return parse_time(self.expires_at)

    def expired(self, now: float) -> bool:
        return self.expiry() <= now


def format_time(epoch: float) -> str:
    """``2026-11-27T08:10:13.123Z``: millisecond precision, UTC, sortable."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
