"""What a deploy writes to the state: one state update per finished app, one history record.

The state is written as each app finishes (snapshot first, then the state document, the
commit point), so a job stopped half way leaves the state at the last finished app. Every
write checks that the document is still at the revision this run last saw: a plan made
against revision 7 is never applied over revision 8 written by someone else.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sbkube_ci import k8s
from sbkube_ci.errors import StateError
from sbkube_ci.sources.base import Pin
from sbkube_ci.state import (
    AppState,
    HeldLock,
    HelmReleaseRef,
    HistoryChange,
    HistoryRecord,
    InventoryEntry,
    SourcePin,
    StateBackend,
    StateDocument,
    history,
)
from sbkube_ci.state.models import format_time


@dataclass(frozen=True)
class Deployed:
    """One app that finished: what the state records of it."""

    app: str
    render_digest: str = ""
    input_digest: str = ""
    pin: Pin | None = None
    inventory: Sequence[k8s.ObjectRef] = ()
    manifests: str = ""  # normalized rendered text; stored as the snapshot
    helm: HelmReleaseRef | None = None
    helm_version: str = ""


def to_state_refs(refs: Sequence[k8s.ObjectRef]) -> list[InventoryEntry]:
    return [InventoryEntry.of(ref) for ref in refs]


def from_state_refs(refs: Sequence[InventoryEntry]) -> list[k8s.ObjectRef]:
    return [ref.ref() for ref in refs]


def source_pins(pin: Pin | None) -> list[SourcePin]:
    if pin is None:
        return []
    data = pin.as_dict()
    data.pop("constraint", None)  # the lock's request, not part of what was deployed
    return [SourcePin.model_validate(data)]


@dataclass
class Recorder:
    """Writes one cluster run's results; thread-safe, as apps of a level finish together."""

    backend: StateBackend
    cluster: str
    record: HistoryRecord  # its id is the deployment id; apps and result are filled at the end
    expected_revision: int
    held: HeldLock | None = None
    changes: list[HistoryChange] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    @property
    def deployment_id(self) -> str:
        return self.record.id

    def save(self, deployed: Deployed) -> AppState:
        """Snapshot, then the state document with the app at its next revision."""
        # On Git the snapshot rides in the state update's commit: one commit per app
        snapshot = self.backend.save_snapshot(
            self.cluster, deployed.manifests, with_next_write=True
        )
        now = format_time(self.backend.clock())
        with self._guard:
            self._check_lock()

            def mutate(doc: StateDocument) -> StateDocument:
                self._check_revision(doc)
                old = doc.apps.get(deployed.app)
                doc.apps[deployed.app] = self._app_state(deployed, old, snapshot, now)
                return doc

            new = self.backend.update(self.cluster, mutate, message=self._message(deployed.app))
            self.expected_revision = new.revision
            state = new.apps[deployed.app]
            self._change(deployed.app, state)
            return state

    def remove(self, app: str, old: AppState) -> None:
        """Drop a deleted app from the state document."""
        with self._guard:
            self._check_lock()

            def mutate(doc: StateDocument) -> StateDocument:
                self._check_revision(doc)
                doc.apps.pop(app, None)
                return doc

            new = self.backend.update(self.cluster, mutate, message=self._message(app))
            self.expected_revision = new.revision
            self.changes.append(HistoryChange(app=app, old_revision=old.revision))

    def finish(self, result: str, duration: float, detail: str = "") -> HistoryRecord:
        """Append the run's history record (once, after every app)."""
        changes = sorted(self.changes, key=lambda c: c.app)
        record = self.record.model_copy(
            update={"apps": changes, "result": result, "duration": duration, "detail": detail}
        )
        final = HistoryRecord.model_validate(record.model_dump())
        if self.held is not None and self.backend.writes_in_one_commit:
            # On Git the record rides in the release commit: one commit fewer per run, and
            # the lock is never seen free without the record of what was done under it.
            key, data = history.entry(final)
            self.held.write_with_release(key, data, history.append_message(final))
        else:
            self.backend.append_history(final)
        return record

    def _app_state(
        self, deployed: Deployed, old: AppState | None, snapshot: str, now: str
    ) -> AppState:
        return AppState(
            revision=(old.revision if old else 0) + 1,
            render_digest=deployed.render_digest,
            input_digest=deployed.input_digest,
            sources=source_pins(deployed.pin),
            inventory=to_state_refs(deployed.inventory),
            commit=self.record.commit,
            actor=self.record.actor,
            deployed_at=now,
            deployment_id=self.record.id,
            snapshot=snapshot,
            helm_version=deployed.helm_version,
            helm=deployed.helm,
        )

    def _change(self, app: str, state: AppState) -> None:
        self.changes.append(
            HistoryChange(
                app=app,
                old_revision=state.revision - 1 or None,
                new_revision=state.revision,
                snapshot=state.snapshot,
                helm_revision=state.helm.revision if state.helm else None,
            )
        )

    def _check_revision(self, doc: StateDocument) -> None:
        if doc.revision != self.expected_revision:
            raise StateError(
                f"cluster {self.cluster}: state moved to r{doc.revision} while this deploy "
                f"expected r{self.expected_revision} (someone else deployed); plan again"
            )

    def _check_lock(self) -> None:
        if self.held is not None:
            self.held.check()

    def _message(self, app: str) -> str:
        kind = self.record.kind
        commit = f" ({self.record.commit[:7]})" if self.record.commit else ""
        return f"sbkube-ci: {kind} {self.cluster} {app}{commit}"
