"""Deploy state, snapshots, history and cluster locks in Git, S3 or a local directory.

``open_backend(project)`` is the entry point; ``BACKENDS`` maps the ``state.backend`` name of
sbkube.yaml to the store class behind it.
"""

from __future__ import annotations

from sbkube_ci._retry import RetryPolicy
from sbkube_ci.config.loader import Project
from sbkube_ci.errors import SbkubeError
from sbkube_ci.state.backend import Mutation, StateBackend
from sbkube_ci.state.base import Conflict, ObjectStore
from sbkube_ci.state.git import GitStore
from sbkube_ci.state.identity import Identity, current_identity
from sbkube_ci.state.lease import HeldLock
from sbkube_ci.state.local import LocalStore
from sbkube_ci.state.lock import LockHandle
from sbkube_ci.state.models import (
    SCHEMA_VERSION,
    AppState,
    HelmReleaseRef,
    HistoryChange,
    HistoryRecord,
    InventoryEntry,
    LockInfo,
    SourcePin,
    StateDocument,
)
from sbkube_ci.state.s3 import S3Store
from sbkube_ci.state.sealing import Keyring

BACKENDS: dict[str, type[ObjectStore]] = {
    "git": GitStore,
    "s3": S3Store,
    "local": LocalStore,
}

__all__ = [
    "BACKENDS",
    "SCHEMA_VERSION",
    "AppState",
    "Conflict",
    "HeldLock",
    "HelmReleaseRef",
    "HistoryChange",
    "HistoryRecord",
    "Identity",
    "InventoryEntry",
    "LockHandle",
    "LockInfo",
    "Mutation",
    "ObjectStore",
    "RetryPolicy",
    "SourcePin",
    "StateBackend",
    "StateDocument",
    "current_identity",
    "open_backend",
    "state_warnings",
]


def open_backend(project: Project, *, identity: Identity | None = None) -> StateBackend:
    """The state backend the project's ``state:`` section selects."""
    settings = project.config.state
    keyring = Keyring.from_environ()  # a bad SBKUBE_STATE_KEY fails here, before any deploy
    store = BACKENDS[settings.backend].from_project(project)
    return StateBackend(store, identity=identity, lock=settings.lock, keyring=keyring)


def state_warnings(project: Project, *, online: bool = False) -> list[str]:
    """Warnings for ``validate``: offline checks always; the store is contacted only if online."""
    try:
        store = BACKENDS[project.config.state.backend].from_project(project)
        return store.warnings(online=online)
    except SbkubeError as exc:
        return [str(exc)]
