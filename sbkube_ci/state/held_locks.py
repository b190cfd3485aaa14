"""Locks ``lock acquire`` left held, remembered in ``.sbkube/locks/<cluster>.json``.

A later ``lock release`` or ``deploy --lock-held`` in the same job uses the record to act on
exactly that acquisition (a compare-and-swap on its version), not on whoever holds the lock.
"""

from __future__ import annotations

import json
from pathlib import Path

from sbkube_ci._files import write_atomic
from sbkube_ci.state.lock import LockHandle
from sbkube_ci.state.models import LockInfo
from sbkube_ci.workdir import WorkDir


def _path(base_dir: Path, cluster: str) -> Path:
    return WorkDir(base_dir).lock(cluster)


def remember(base_dir: Path, handle: LockHandle) -> None:
    data = {"info": handle.info.model_dump(), "version": handle.version}
    write_atomic(_path(base_dir, handle.info.cluster), json.dumps(data))


def remembered(base_dir: Path, cluster: str) -> LockHandle | None:
    """The acquisition ``lock acquire`` made here for ``cluster``, if any."""
    try:
        data = json.loads(_path(base_dir, cluster).read_text())
        return LockHandle(LockInfo.model_validate(data["info"]), str(data["version"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no usable record of our acquisition: fall back to the owner check


def forget(base_dir: Path, cluster: str) -> None:
    _path(base_dir, cluster).unlink(missing_ok=True)
