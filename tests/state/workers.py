"""Code that runs in worker processes for the contention and crash tests (and bench/).

A ``StoreSpec`` is plain data, so it crosses process boundaries; each process opens its own
store from it, as separate CI jobs would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sbkube_ci.config.sections import GitState, S3State
from sbkube_ci.state import AppState, HistoryChange, Mutation, StateBackend, StateDocument
from sbkube_ci.state.base import ObjectStore
from sbkube_ci.state.git import GitStore
from sbkube_ci.state.identity import Identity
from sbkube_ci.state.local import LocalStore
from sbkube_ci.state.s3 import S3Store

CLUSTER = "prod"


@dataclass(frozen=True)
class StoreSpec:
    kind: str  # local | s3 | git
    location: str  # directory, bucket, or Git URL
    endpoint_url: str = ""
    cache_root: str = ""  # git: private repos live under here, one per worker

    def open(self, worker: str = "main") -> ObjectStore:
        if self.kind == "local":
            return LocalStore(Path(self.location))
        if self.kind == "s3":
            settings = S3State(bucket=self.location, prefix="team", endpoint_url=self.endpoint_url)
            return S3Store(settings)
        return GitStore(self.location, Path(self.cache_root) / worker, GitState())

    def backend(self, worker: str = "main") -> StateBackend:
        identity = Identity(f"worker-{worker}", f"pid {os.getpid()}", "")
        return StateBackend(self.open(worker), identity=identity)


def bump(worker: str) -> Mutation:
    """A mutation that bumps this worker's counter app; a lost update would lose a bump."""

    def mutate(doc: StateDocument) -> StateDocument:
        name = f"w{worker}"
        old = doc.apps.get(name)
        doc.apps[name] = AppState(revision=(old.revision if old else 0) + 1, actor=worker)
        return doc

    return mutate


def update_worker(spec: StoreSpec, worker: str, count: int) -> int:
    """``count`` read-modify-write updates, each with its own history record."""
    backend = spec.backend(worker)
    for i in range(count):
        record = backend.new_record(
            "deploy", CLUSTER, apps=[HistoryChange(app=f"w{worker}", new_revision=i + 1)]
        )
        backend.update(CLUSTER, bump(worker), record=record)
    return count


def lock_worker(spec: StoreSpec, worker: str, rounds: int, shared: str, hold: float) -> int:
    """Take the lock ``rounds`` times; inside, claim ``shared`` and check nobody else did."""
    backend = spec.backend(worker)
    overlaps = 0
    for _ in range(rounds):
        with backend.locked(CLUSTER, reason=f"worker {worker}", wait=120, lease=60):
            Path(shared).write_text(worker)
            time.sleep(hold)
            if Path(shared).read_text() != worker:
                overlaps += 1
    return overlaps


def crash_worker(spec: StoreSpec, ready: str) -> None:
    """Take the lock (2 s lease), store a snapshot, then hang inside the state update."""
    backend = spec.backend("crasher")
    backend.acquire_lock(CLUSTER, reason="about to crash", lease=2)
    digest = backend.save_snapshot(CLUSTER, "kind: ConfigMap\nmetadata: {name: half-done}\n")

    def hang(doc: StateDocument) -> StateDocument:
        Path(ready).write_text(digest)
        time.sleep(3600)  # killed here, between the snapshot and the state write
        return doc

    backend.update(CLUSTER, hang)


def spec_json(spec: StoreSpec) -> str:
    return json.dumps(asdict(spec))


if __name__ == "__main__":
    spec = StoreSpec(**json.loads(sys.argv[2]))
    if sys.argv[1] == "crash":
        crash_worker(spec, sys.argv[3])
