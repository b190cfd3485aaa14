"""Keep a lock's lease alive while a long deploy runs: renew it every third of the lease."""

from __future__ import annotations

import threading

from sbkube_ci.errors import LockError, SbkubeError
from sbkube_ci.state.base import create_once
from sbkube_ci.state.lock import LockHandle, Locks


class HeldLock:
    """A held lock, renewed in a background thread until ``release``.

    A renewal that fails (the lease ran out and someone took the lock over) is remembered;
    ``check()`` raises it, so a deploy can verify it still owns the cluster before it commits.
    """

    def __init__(self, locks: Locks, handle: LockHandle, *, renew: bool = True) -> None:
        self._locks = locks
        self._handle = handle
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._lost: SbkubeError | None = None
        self._thread: threading.Thread | None = None
        self._with_release: dict[str, tuple[bytes, str]] = {}
        if renew and handle.info.lease > 0:
            name = f"sbkube-lease-{handle.info.cluster}"
            self._thread = threading.Thread(target=self._renew_loop, name=name, daemon=True)
            self._thread.start()

    @property
    def handle(self) -> LockHandle:
        with self._guard:
            return self._handle

    def check(self) -> None:
        """Raise LockError if the lock was lost."""
        if self._lost is not None:
            raise LockError(str(self._lost))

    def write_with_release(self, key: str, data: bytes, message: str) -> None:
        """Create ``key`` in the same write as the release: on Git, the release commit.

        Whatever happens to the lock, the key is written: on its own when the lock is kept
        (``keep``) or the release fails.
        """
        self._with_release[key] = (data, message)

    def keep(self) -> None:
        """Stop renewing but leave the lock held (its owner releases it in a later step)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._write_pending()
        self.check()

    def release(self) -> None:
        """Stop renewing and release (a lost lock is not released: it is someone else's)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        pending = {key: data for key, (data, _) in self._with_release.items()}
        try:
            self.check()
            self._locks.release(self.handle, with_keys=pending or None)
        except SbkubeError:
            self._write_pending()  # what was to ride on the release is not lost with it
            raise
        self._with_release.clear()

    def _write_pending(self) -> None:
        for key, (data, message) in self._with_release.items():
            create_once(self._locks.store, key, data, message=message)
        self._with_release.clear()

    def _renew_loop(self) -> None:
        interval = max(0.05, self.handle.info.lease / 3)
        while not self._stop.wait(interval):
            try:
                renewed = self._locks.renew(self.handle)
            except SbkubeError as exc:  # lost, or the store is unreachable: tell the owner
                self._lost = exc
                return
            with self._guard:
                self._handle = renewed
