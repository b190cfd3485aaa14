"""``sbkube-ci lock status|acquire|release``: the cluster lock from pipeline steps.

``acquire`` leaves the lock held (until ``release`` or the lease ends) and remembers the
acquisition in ``.sbkube/locks/<cluster>.json``, so a later ``release`` in the same job
releases exactly that acquisition with a CAS; without that file, release frees a lock only
if its owner is this identity. ``release --force`` breaks anyone's lock and records it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from pydantic import TypeAdapter, ValidationError

from sbkube_ci.commands._common import open_state, pick_cluster
from sbkube_ci.config.types import Duration
from sbkube_ci.errors import ConfigError, LockError
from sbkube_ci.progress import Progress
from sbkube_ci.state import LockHandle, LockInfo, StateBackend, held_locks

_DURATION: TypeAdapter[float] = TypeAdapter(Duration)
_SLICE = 2.0  # seconds between countdown updates while waiting for a held lock


def parse_duration(option: str, value: str | None) -> float | None:
    """A CLI duration (90, 90s, 5m, 1h30m) in seconds."""
    if value is None:
        return None
    try:
        return _DURATION.validate_python(value)
    except ValidationError as exc:
        raise ConfigError(f"{option} {value}: write seconds (300) or 5m, 1h30m, 90s") from exc


def status(chdir: Path, file: Path | None, cluster: str | None, output_format: str) -> int:
    project, backend = open_state(chdir, file)
    name = pick_cluster(project, cluster)
    info = backend.lock_status(name)
    if output_format == "json":
        click.echo(json.dumps({"cluster": name, "lock": info.model_dump() if info else None}))
    elif info is None:
        click.echo(f"{name}: free")
    else:
        expired = " (expired: the next acquire takes over)" if info.expired(backend.clock()) else ""
        click.echo(f"{name}: locked by {_who(info)}, lease until {info.expires_at}{expired}")
    return 0


def acquire(
    chdir: Path,
    file: Path | None,
    cluster: str | None,
    *,
    reason: str,
    wait: str | None,
    lease: str | None,
    output_format: str,
    progress: Progress | None = None,
) -> int:
    project, backend = open_state(chdir, file)
    name = pick_cluster(project, cluster)
    seconds = parse_duration("--wait", wait)
    handle = acquire_with_countdown(
        backend,
        name,
        reason=reason,
        wait=backend.locks.wait if seconds is None else seconds,
        lease=parse_duration("--lease", lease),
        progress=progress or Progress(),
    )
    held_locks.remember(project.base_dir, handle)
    if output_format == "json":
        click.echo(json.dumps({"cluster": name, "lock": handle.info.model_dump()}))
    else:
        click.echo(f"{name}: locked by {_who(handle.info)}, lease until {handle.info.expires_at}")
    return 0


def release(
    chdir: Path, file: Path | None, cluster: str | None, *, force: bool, reason: str
) -> int:
    project, backend = open_state(chdir, file)
    name = pick_cluster(project, cluster)
    saved = held_locks.remembered(project.base_dir, name)
    # the same acquisition, even if a deploy --lock-held renewed its lease meanwhile
    current = backend.locks.held_by(name, token=saved.info.token) if saved else None
    if force:
        info = backend.break_lock(name, reason=reason)
        verb = "broke the lock of"
    elif current is not None:
        backend.release_lock(current)
        info, verb = current.info, "released the lock of"
    else:
        info, verb = backend.locks.release_own(name), "released the lock of"
    held_locks.forget(project.base_dir, name)
    click.echo(f"{name}: {verb} {_who(info)}" if info else f"{name}: was not locked")
    return 0


def acquire_with_countdown(
    backend: StateBackend,
    cluster: str,
    *,
    reason: str,
    wait: float,
    lease: float | None,
    progress: Progress,
) -> LockHandle:
    """``acquire_lock`` in short slices, showing whose lock it is and the time left."""
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        try:
            return backend.acquire_lock(
                cluster, reason=reason, wait=max(0.0, min(left, _SLICE)), lease=lease
            )
        except LockError:
            if time.monotonic() >= deadline:
                raise
            holder = backend.lock_status(cluster)
            who = holder.owner if holder is not None else "another run"
            progress.waiting(f"{cluster}: lock held by {who}", deadline - time.monotonic())


def _who(info: LockInfo) -> str:
    extra = [f"reason: {info.reason}"] if info.reason else []
    extra += [info.run_url] if info.run_url else []
    return info.owner + (f" ({', '.join(extra)})" if extra else "")
