"""The protocol every state backend implements: a small key/value store with CAS writes.

Documents, snapshots, history and locks are built once on top of it (``backend.py``), so the
three backends share one set of semantics. Every write names the version it read: the version
string the backend returned (an S3 ETag, a Git blob id, a sha256 for local files), or ``None``
for "I read nothing: create it". A write whose expectation no longer holds raises ``Conflict``
and changes nothing; there is no unconditional write and no delete.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sbkube_ci._retry import RetryPolicy
from sbkube_ci.config.loader import Project
from sbkube_ci.errors import StateError


class Conflict(StateError):
    """A compare-and-swap write lost: someone else wrote the key since it was read."""


@dataclass(frozen=True)
class Versioned:
    data: bytes
    version: str


class ObjectStore(Protocol):
    """Keys are ``/``-separated relative paths such as ``prod/state.json``."""

    description: str  # where the store lives, for messages (s3://bucket/prefix, repo@branch)

    @classmethod
    def from_project(cls, project: Project) -> ObjectStore:
        """The store the project's ``state:`` section describes."""
        ...

    def get(self, key: str) -> Versioned | None:
        """The current value and version of ``key``; None if it does not exist."""
        ...

    def get_many(self, keys: list[str]) -> dict[str, Versioned | None]:
        """Several keys at once (one fetch for Git)."""
        ...

    def put(
        self,
        key: str,
        data: bytes,
        *,
        expect: str | None,
        message: str,
        new_keys: Mapping[str, bytes] | None = None,
    ) -> str:
        """Write ``key`` if its version is still ``expect`` (None: it must not exist).

        Returns the new version; raises ``Conflict`` when the expectation fails. ``message``
        says what changed (the Git commit message). ``new_keys`` are created with it (an
        existing key with the same bytes is fine): in the same commit on Git, right after
        ``key`` succeeded elsewhere.
        """
        ...

    def list_keys(self, prefix: str) -> list[str]:
        """Keys that start with ``prefix``, sorted."""
        ...

    def warnings(self, *, online: bool) -> list[str]:
        """Problems worth a warning at validate; ``online`` allows contacting the store."""
        ...


@runtime_checkable
class StagingStore(Protocol):
    """A store that holds a new key back for its next ``put`` (Git: one commit for both)."""

    def stage(self, key: str, data: bytes) -> str:
        """Create ``key`` with the next ``put`` instead of on its own."""
        ...


class KeyByKeyStore(ABC):
    """A store that writes one key per request (local files, S3), not one commit (Git).

    ``new_keys`` are then created right after ``key`` succeeded; one already holding the same
    bytes is left as it is (a retry after a crash between the two writes).
    """

    description: str

    @abstractmethod
    def get(self, key: str) -> Versioned | None:
        """The current value and version of ``key``; None if it does not exist."""

    @abstractmethod
    def _put_one(self, key: str, data: bytes, expect: str | None) -> str:
        """The CAS write of one key: its new version, or ``Conflict``."""

    def get_many(self, keys: list[str]) -> dict[str, Versioned | None]:
        return {key: self.get(key) for key in keys}

    def put(
        self,
        key: str,
        data: bytes,
        *,
        expect: str | None,
        message: str,
        new_keys: Mapping[str, bytes] | None = None,
    ) -> str:
        version = self._put_one(key, data, expect)
        for new_key, new_data in (new_keys or {}).items():
            create_once(self, new_key, new_data, message=message)
        return version

    @classmethod
    @abstractmethod
    def from_project(cls, project: Project) -> KeyByKeyStore: ...

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]: ...

    @abstractmethod
    def warnings(self, *, online: bool) -> list[str]: ...


def create_once(
    store: ObjectStore,
    key: str,
    data: bytes,
    *,
    message: str,
    clash: str = "exists with other content; not overwritten",
) -> None:
    """Create ``key``; one already holding the same bytes is fine (a retried write).

    ``clash`` ends the error when it holds other bytes: what is wrong and what to do.
    """
    try:
        store.put(key, data, expect=None, message=message)
    except Conflict:
        existing = store.get(key)
        if existing is None or existing.data != data:
            raise StateError(f"{store.description}/{key}: {clash}") from None


#: lost CAS races: up to 80 tries, waits from 20 ms doubling to 1 s, jittered (50-100%) so
#: racing writers fall out of step
CAS_RETRY = RetryPolicy(attempts=80, base=0.02, cap=1.0, jitter=0.5)
