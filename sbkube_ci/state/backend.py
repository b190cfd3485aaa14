"""``StateBackend``: state documents, snapshots, history and locks over any ``ObjectStore``.

Write order is what keeps a crash harmless: a snapshot is stored (content-addressed, never
overwritten) before the state document that points at it, and the state document is the
commit point; a history record is appended after it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sbkube_ci._retry import RetryPolicy
from sbkube_ci.config.sections import LockSettings
from sbkube_ci.errors import StateError
from sbkube_ci.state import history, keys, sealing
from sbkube_ci.state.base import CAS_RETRY, Conflict, ObjectStore, StagingStore
from sbkube_ci.state.identity import Identity, current_identity
from sbkube_ci.state.lease import HeldLock
from sbkube_ci.state.lock import LockHandle, Locks
from sbkube_ci.state.migrations import parse_state
from sbkube_ci.state.models import (
    SCHEMA_VERSION,
    HistoryKind,
    HistoryRecord,
    LockInfo,
    StateDocument,
    format_time,
)

Mutation = Callable[[StateDocument], StateDocument]


class StateBackend:
    def __init__(
        self,
        store: ObjectStore,
        *,
        identity: Identity | None = None,
        lock: LockSettings | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        keyring: sealing.Keyring | None = None,
    ) -> None:
        self.store = store
        self._keyring = keyring
        self.identity = identity or current_identity()
        self.retry = retry or CAS_RETRY
        self.clock = clock
        settings = lock or LockSettings()
        self.locks = Locks(
            store, self.identity, self._record, settings.lease, settings.wait, clock=clock
        )

    # -- state documents --------------------------------------------------------------------

    def read_state(self, cluster: str) -> StateDocument:
        """The cluster's state (an empty document at revision 0 if nothing was deployed)."""
        current = self.store.get(keys.state_key(cluster))
        if current is None:
            return StateDocument(cluster=cluster)
        return parse_state(current.data, self._where(keys.state_key(cluster)), cluster)

    def update(
        self,
        cluster: str,
        mutate: Mutation,
        *,
        message: str = "",
        record: HistoryRecord | None = None,
    ) -> StateDocument:
        """Read, ``mutate``, compare-and-swap; on a lost race re-read and re-apply (bounded).

        ``mutate`` gets a private copy and may run more than once: it must only derive the
        new document from the one it is given. ``record`` is appended to history after the
        state is committed (on Git, in the same commit); it also makes the default ``message``
        (``sbkube-ci: deploy prod api r42 (abc1234)``).
        """
        key = keys.state_key(cluster)
        new_keys = dict([history.entry(record)]) if record is not None else {}
        if not message and record is not None:
            message = history.commit_message(record)
        for attempt in range(self.retry.attempts):
            current = self.store.get(key)
            old = (
                parse_state(current.data, self._where(key), cluster)
                if current
                else StateDocument(cluster=cluster)
            )
            new = self._stamp(mutate(old.model_copy(deep=True)), old)
            try:
                self.store.put(
                    key,
                    new.to_json(),
                    expect=current.version if current else None,
                    message=message or f"sbkube-ci: update state of {cluster} r{new.revision}",
                    new_keys=new_keys,
                )
            except Conflict:
                self.retry.pause(attempt)
                continue
            return new
        raise StateError(
            f"{self._where(key)}: gave up after {self.retry.attempts} conflicting writes; "
            "too many concurrent writers, retry the job"
        )

    def clusters(self) -> list[str]:
        """Clusters that have a state document."""
        return sorted(k.split("/")[0] for k in self.store.list_keys("") if keys.is_state_key(k))

    # -- snapshots --------------------------------------------------------------------------

    @property
    def writes_in_one_commit(self) -> bool:
        """Whether a write and the keys created with it land together (Git: one commit)."""
        return isinstance(self.store, StagingStore)

    def save_snapshot(self, cluster: str, manifests: str, *, with_next_write: bool = False) -> str:
        """Store manifests sealed (``sealing``) and gzip-compressed; returns sha256:<hex>.

        The digest is that of the manifests as given, Secret values included, so it still
        names the render; what is stored holds no Secret value in clear.

        ``with_next_write``: on Git, the snapshot goes into the commit of the next write (the
        state update that refers to it) instead of a commit of its own; elsewhere, where keys
        are written one by one, it is written now, before anything can refer to it.
        """
        data = manifests.encode()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        key = keys.snapshot_key(cluster, digest)
        stored = sealing.seal(manifests, self.keyring()).encode()
        message = f"sbkube-ci: snapshot {cluster} {digest[7:19]}"
        packed = gzip.compress(stored, mtime=0)
        if with_next_write and isinstance(self.store, StagingStore):
            self.store.stage(key, packed)
            return digest
        # Content-addressed: a Conflict means this snapshot is already stored.
        with contextlib.suppress(Conflict):
            self.store.put(key, packed, expect=None, message=message)
        return digest

    def load_snapshot(self, cluster: str, digest: str, *, reveal: bool = True) -> str:
        """The manifests of snapshot ``digest``; StateError if missing or not matching.

        With ``reveal=False`` Secret values stay sealed (plan, drift: no key needed).
        """
        key = keys.snapshot_key(cluster, digest)
        found = self.store.get(key)
        if found is None:
            raise StateError(f"{self._where(key)}: snapshot {digest} is missing")
        stored = self._decompress(key, found.data)
        if not reveal and sealing.is_sealed(stored):
            return sealing.redacted(stored)
        text = sealing.unseal(stored, self.keyring(), self._where(key))
        if "sha256:" + hashlib.sha256(text.encode()).hexdigest() != digest:
            raise StateError(f"{self._where(key)}: snapshot content does not match {digest}")
        return text

    def seal_snapshots(self, cluster: str) -> list[str]:
        """Re-store every snapshot of ``cluster`` holding a Secret in clear or for an old key.

        Needs the key that can read the sealed ones; returns the keys rewritten.
        """
        keyring = self.keyring()
        rewritten = []
        for key in self.store.list_keys(f"{cluster}/snapshots/"):
            found = self.store.get(key)
            if found is None:
                continue
            stored = self._decompress(key, found.data)
            if sealing.is_sealed(stored) and keyring is not None:
                try:
                    sealing.unseal(stored, keyring, self._where(key), only_first=True)
                    continue  # already encrypted to the current key
                except StateError:
                    pass
            elif sealing.is_sealed(stored):
                continue  # sealed, and without a key there is nothing better to do
            manifests = sealing.unseal(stored, keyring, self._where(key))
            resealed = sealing.seal(manifests, keyring)
            if resealed == stored:
                continue  # no Secret in it
            data = gzip.compress(resealed.encode(), mtime=0)
            message = f"sbkube-ci: seal snapshot {key}"
            with contextlib.suppress(Conflict):  # someone sealed it meanwhile
                self.store.put(key, data, expect=found.version, message=message)
                rewritten.append(key)
        return rewritten

    def keyring(self) -> sealing.Keyring | None:
        """The state key given, or the one in ``SBKUBE_STATE_KEY`` (read at each use)."""
        return self._keyring or sealing.Keyring.from_environ()

    def _decompress(self, key: str, data: bytes) -> str:
        try:
            return gzip.decompress(data).decode()
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise StateError(f"{self._where(key)}: snapshot is not gzip ({exc})") from exc

    # -- history ----------------------------------------------------------------------------

    def new_record(self, kind: HistoryKind, cluster: str, **fields: object) -> HistoryRecord:
        """A history record stamped with a fresh id, the time and this identity."""
        now = self.clock()
        base: dict[str, object] = {
            "id": history.new_record_id(now),
            "kind": kind,
            "time": format_time(now),
            "actor": self.identity.actor,
            "run_url": self.identity.run_url,
            "cluster": cluster,
        }
        return HistoryRecord.model_validate({**base, **fields})

    def append_history(self, record: HistoryRecord) -> None:
        history.append(self.store, record)

    def list_history(
        self,
        *,
        cluster: str | None = None,
        app: str | None = None,
        limit: int | None = None,
        problems: list[str] | None = None,
    ) -> list[HistoryRecord]:
        """Newest first; filtered by cluster and app; at most ``limit``; corrupt ones skipped
        and described in ``problems``."""
        return history.list_records(
            self.store, cluster=cluster, app=app, limit=limit, problems=problems
        )

    # -- locks ------------------------------------------------------------------------------

    def lock_status(self, cluster: str) -> LockInfo | None:
        return self.locks.status(cluster)

    def acquire_lock(
        self,
        cluster: str,
        *,
        reason: str = "",
        wait: float | None = None,
        lease: float | None = None,
    ) -> LockHandle:
        return self.locks.acquire(cluster, reason=reason, wait=wait, lease=lease)

    def renew_lock(self, handle: LockHandle, *, lease: float | None = None) -> LockHandle:
        return self.locks.renew(handle, lease=lease)

    def release_lock(self, handle: LockHandle) -> None:
        self.locks.release(handle)

    def break_lock(self, cluster: str, *, reason: str = "") -> LockInfo | None:
        return self.locks.force_break(cluster, reason=reason)

    @contextmanager
    def locked(
        self,
        cluster: str,
        *,
        reason: str = "",
        wait: float | None = None,
        lease: float | None = None,
        renew: bool = True,
    ) -> Iterator[HeldLock]:
        """Hold the cluster lock for a block, renewing its lease; released even on failure.

        Call ``held.check()`` before committing work: it raises LockError if the lease was
        lost to a take-over (the block then ends without releasing someone else's lock).
        """
        handle = self.acquire_lock(cluster, reason=reason, wait=wait, lease=lease)
        held = HeldLock(self.locks, handle, renew=renew)
        try:
            yield held
        finally:
            held.release()

    # -- helpers ----------------------------------------------------------------------------

    def _stamp(self, new: StateDocument, old: StateDocument) -> StateDocument:
        data = new.model_dump(by_alias=True)
        data.update(
            schema_version=SCHEMA_VERSION,
            cluster=old.cluster,
            revision=old.revision + 1,
            updated_at=format_time(self.clock()),
            updated_by=self.identity.owner,
        )
        return StateDocument.model_validate(data)  # a bad mutation fails here, before writing

    def _record(self, kind: HistoryKind, cluster: str, detail: str) -> None:
        self.append_history(self.new_record(kind, cluster, detail=detail))

    def _where(self, key: str) -> str:
        return f"{self.store.description}/{key}"
