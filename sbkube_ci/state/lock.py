"""Per-cluster locks with a lease, built on CAS writes of ``<cluster>/lock.json``.

The first lock is created with "must not exist" (S3 ``If-None-Match: *``); afterwards the record
stays and flips between held and released (a tombstone), each flip a CAS on the version read,
so no backend needs a conditional delete. A held lock whose lease has expired may be taken
over; the take-over, and every forced break, is appended to history.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from sbkube_ci._retry import RetryPolicy
from sbkube_ci.errors import LockError, StateError
from sbkube_ci.state import keys
from sbkube_ci.state.base import CAS_RETRY, Conflict, ObjectStore, Versioned
from sbkube_ci.state.identity import Identity
from sbkube_ci.state.models import HistoryKind, LockInfo, format_time

# Waits between reads of a held lock: 50 ms doubling to 2 s, jittered; ``wait`` bounds them.
LOCK_POLL = RetryPolicy(attempts=0, base=0.05, cap=2, jitter=0.5)

Recorder = Callable[[HistoryKind, str, str], None]  # kind, cluster, detail


@dataclass(frozen=True)
class LockHandle:
    """A lock this process holds: the record it wrote and that record's store version."""

    info: LockInfo
    version: str


@dataclass
class Locks:
    store: ObjectStore
    identity: Identity
    record: Recorder
    lease: float
    wait: float
    poll: RetryPolicy = LOCK_POLL
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def status(self, cluster: str) -> LockInfo | None:
        """The lock record if held (expired or not), None if free."""
        info, _ = self._read(cluster)
        return info if info is not None and info.held else None

    def acquire(
        self,
        cluster: str,
        *,
        reason: str = "",
        wait: float | None = None,
        lease: float | None = None,
    ) -> LockHandle:
        """Take the lock, waiting up to ``wait`` seconds; take over an expired lease."""
        deadline = self.clock() + (self.wait if wait is None else wait)
        attempt = 0
        while True:
            info, current = self._read(cluster)
            now = self.clock()
            if info is None or not info.held or info.expired(now):
                handle = self._try_take(cluster, current, reason, lease, now)
                if handle is not None:
                    if info is not None and info.held:
                        self.record("lock_takeover", cluster, f"lease of {_describe(info)} expired")
                    return handle
            elif now >= deadline:
                raise LockError(
                    f"cluster {cluster} is locked by {_describe(info)}; wait longer "
                    "(state.lock.wait in sbkube.yaml, or lock acquire --wait), "
                    f"or break it: sbkube-ci lock release --cluster {cluster} --force"
                )
            pause = self.poll.delay(attempt)
            if info is not None and info.held and not info.expired(now):
                pause = min(pause, max(0.0, info.expiry() - now) + 0.01, max(0.0, deadline - now))
            self.sleep(pause)
            attempt += 1

    def held_by(self, cluster: str, *, token: str = "") -> LockHandle | None:
        """The live lock of ``cluster`` if this identity holds it, or if it is the acquisition
        ``token`` (``lock acquire`` remembers it), with its current version."""
        info, current = self._read(cluster)
        if info is None or current is None or not info.held or info.expired(self.clock()):
            return None
        mine = info.owner == self.identity.owner or bool(token and info.token == token)
        return LockHandle(info, current.version) if mine else None

    def renew(self, handle: LockHandle, *, lease: float | None = None) -> LockHandle:
        """Extend the lease from now; LockError if the lock was taken from us."""
        now = self.clock()
        seconds = handle.info.lease if lease is None else lease
        info = handle.info.model_copy(update={"expires_at": format_time(now + seconds)})
        info = info.model_copy(update={"lease": seconds})
        return LockHandle(info, self._write_own(handle, info, "renew"))

    def release(self, handle: LockHandle, *, with_keys: Mapping[str, bytes] | None = None) -> None:
        """Free the lock; LockError if it was taken from us meanwhile. ``with_keys`` are
        created in the same write (on Git, the release commit carries them)."""
        released = handle.info.model_copy(update={"held": False})
        self._write_own(handle, released, "release", new_keys=with_keys)

    def release_own(self, cluster: str) -> LockInfo | None:
        """Free the lock if this identity holds it (CLI: a later step of the same job)."""
        info, current = self._read(cluster)
        if info is None or not info.held or current is None:
            return None
        if info.owner != self.identity.owner:
            raise LockError(
                f"cluster {cluster} is locked by {_describe(info)}, not by "
                f"{self.identity.owner}; to break it: sbkube-ci lock release --cluster "
                f"{cluster} --force"
            )
        self.release(LockHandle(info, current.version))
        return info

    def force_break(self, cluster: str, *, reason: str = "") -> LockInfo | None:
        """Break whoever holds the lock; recorded in history. Returns the broken lock."""
        for _ in range(CAS_RETRY.attempts):
            try:
                info, current = self._read(cluster)
            except StateError:
                if self._clear_corrupt(cluster, reason):
                    return None
                continue
            if info is None or not info.held or current is None:
                return None
            tombstone = info.model_copy(update={"held": False})
            message = f"sbkube-ci: break lock {cluster} held by {info.owner}"
            if self._replace(cluster, tombstone, current.version, message):
                detail = f"broke the lock of {_describe(info)}"
                self.record("lock_break", cluster, detail + (f"; {reason}" if reason else ""))
                return info
        raise LockError(f"cluster {cluster}: the lock keeps changing; retry the break")

    def _clear_corrupt(self, cluster: str, reason: str) -> bool:
        """Replace a lock record that does not parse by a released one (CAS on its version).

        Without this a corrupt ``lock.json`` would block every deploy of the cluster until
        someone edits the store by hand. False if it changed meanwhile (the caller re-reads).
        """
        current = self.store.get(keys.lock_key(cluster))
        if current is None:
            return True
        now = self.clock()
        tombstone = LockInfo(
            cluster=cluster,
            held=False,
            owner=self.identity.owner,
            acquired_at=format_time(now),
            expires_at=format_time(now),
            lease=0,
            token=secrets.token_hex(8),
            reason="replaced a corrupt lock record",
        )
        message = f"sbkube-ci: clear corrupt lock {cluster}"
        if not self._replace(cluster, tombstone, current.version, message):
            return False
        detail = "cleared a corrupt lock record" + (f"; {reason}" if reason else "")
        self.record("lock_break", cluster, detail)
        return True

    def _replace(self, cluster: str, record: LockInfo, version: str, message: str) -> bool:
        """Write ``record`` over the lock record at ``version``; False if it changed meanwhile."""
        try:
            self.store.put(
                keys.lock_key(cluster), record.to_json(), expect=version, message=message
            )
        except Conflict:
            return False
        return True

    def _try_take(
        self, cluster: str, current: Versioned | None, reason: str, lease: float | None, now: float
    ) -> LockHandle | None:
        seconds = self.lease if lease is None else lease
        info = LockInfo(
            cluster=cluster,
            owner=self.identity.owner,
            run_url=self.identity.run_url,
            reason=reason,
            acquired_at=format_time(now),
            expires_at=format_time(now + seconds),
            lease=seconds,
            token=secrets.token_hex(8),
        )
        try:
            version = self.store.put(
                keys.lock_key(cluster),
                info.to_json(),
                expect=current.version if current else None,
                message=f"sbkube-ci: lock {cluster} for {info.owner}",
            )
        except Conflict:
            return None
        return LockHandle(info, version)

    def _write_own(
        self,
        handle: LockHandle,
        info: LockInfo,
        action: str,
        new_keys: Mapping[str, bytes] | None = None,
    ) -> str:
        cluster = handle.info.cluster
        try:
            return self.store.put(
                keys.lock_key(cluster),
                info.to_json(),
                expect=handle.version,
                message=f"sbkube-ci: {action} lock {cluster} for {info.owner}",
                new_keys=new_keys,
            )
        except Conflict:
            now_holder, _ = self._read(cluster)
            who = _describe(now_holder) if now_holder and now_holder.held else "nobody"
            raise LockError(
                f"cluster {cluster}: cannot {action} the lock, it is no longer ours (now held "
                f"by {who}); our lease probably expired: use a longer state.lock.lease"
            ) from None

    def _read(self, cluster: str) -> tuple[LockInfo | None, Versioned | None]:
        current = self.store.get(keys.lock_key(cluster))
        if current is None:
            return None, None
        try:
            return LockInfo.model_validate_json(current.data), current
        except ValidationError as exc:
            where = f"{self.store.description}/{keys.lock_key(cluster)}"
            raise StateError(
                f"{where}: not a lock record ({str(exc).splitlines()[0]}); leaving it untouched; "
                f"clear it with: sbkube-ci lock release --cluster {cluster} --force"
            ) from exc


def _describe(info: LockInfo) -> str:
    parts = [info.owner, f"since {info.acquired_at}", f"lease until {info.expires_at}"]
    if info.reason:
        parts.append(f"reason: {info.reason}")
    if info.run_url:
        parts.append(info.run_url)
    return f"{parts[0]} ({', '.join(parts[1:])})"
