"""``sbkube-ci state migrate --to <backend>``: copy state, history and snapshots elsewhere.

The target is configured in the same ``state:`` section (``state.s3``, ``state.git``,
``state.local``); only ``state.backend`` says which one is in use. Locks are not copied: the
migration refuses while any cluster is locked, and the target starts unlocked. Snapshots and
history are copied before the state documents that refer to them (on Git, all in one commit),
so an interrupted migration can simply be run again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import click

from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.errors import ConfigError, StateError
from sbkube_ci.state import BACKENDS, keys
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


def migrate(chdir: Path, file: Path | None, target: str) -> int:
    """The CLI verb: copy everything, then say which line of sbkube.yaml to change."""
    project = load_project(chdir, file)
    source_name = project.config.state.backend
    if target == source_name:
        raise ConfigError(f"--to {target}: the state is already there (state.backend: {target})")
    if target == "s3" and project.config.state.s3 is None:
        raise ConfigError("--to s3: add state.s3 (at least a bucket) to sbkube.yaml first")
    source = BACKENDS[source_name].from_project(project)
    destination = BACKENDS[target].from_project(_with_backend(project, target))
    copied = copy_state(source, destination)
    click.echo(f"copied {copied.text()} from {source.description} to {destination.description}")
    click.echo(f"now set state.backend: {target} in sbkube.yaml")
    return 0


def _with_backend(project: Project, backend: str) -> Project:
    state = project.config.state.model_copy(update={"backend": backend})
    config = project.config.model_copy(update={"state": state})
    return replace(project, config=config)


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
