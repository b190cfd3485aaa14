"""Copy a state store into another: state documents, history and snapshots, never locks.

Locks are not copied: the copy refuses while any cluster is locked, and the target starts
unlocked. Snapshots and history are copied before the state documents that refer to them (on
Git, all in one commit), so an interrupted copy can simply be run again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sbkube_ci.errors import StateError
from sbkube_ci.state import keys
from sbkube_ci.state.base import ObjectStore, create_once
from sbkube_ci.state.models import LockInfo


@dataclass
class Copied:
    states: int = 0
    history: int = 0
    snapshots: int = 0

    def text(self) -> str:
        return (
            f"{self.states} state document(s), {self.history} history record(s), "
            f"{self.snapshots} snapshot(s)"
        )


def copy_state(source: ObjectStore, target: ObjectStore) -> Copied:
    """Every state document, history record and snapshot of ``source`` into ``target``."""
    every = source.list_keys("")
    locked = [k.split("/")[0] for k in every if k.endswith("/lock.json") and _held(source, k)]
    if locked:
        raise StateError(
            f"cluster {locked[0]} is locked; migrate when no deploy runs "
            f"(sbkube-ci lock status --cluster {locked[0]})"
        )
    copied = Copied()
    stage = getattr(target, "stage", None)
    for key in every:  # what the state documents refer to goes first
        if keys.is_history_key(key) or "/snapshots/" in key:
            data = _read(source, key)
            if callable(stage):
                stage(key, data)  # Git: rides in the commit of the first state document
            else:
                create_once(target, key, data, message=f"sbkube-ci: migrate {key}")
            copied.history += keys.is_history_key(key)
            copied.snapshots += "/snapshots/" in key
    for key in every:
        if keys.is_state_key(key):
            create_once(
                target,
                key,
                _read(source, key),
                message=f"sbkube-ci: migrate state from {source.description}",
                clash="the target already holds other state for this cluster; not overwritten",
            )
            copied.states += 1
    return copied


def _read(store: ObjectStore, key: str) -> bytes:
    found = store.get(key)
    if found is None:
        raise StateError(f"{store.description}/{key}: vanished during the migration; run again")
    return found.data


def _held(store: ObjectStore, key: str) -> bool:
    found = store.get(key)
    if found is None:
        return False
    info = LockInfo.model_validate_json(found.data)
    return info.held and not info.expired(time.time())
