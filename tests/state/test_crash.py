"""A process SIGKILLed holding the lock mid-update leaves the last committed state valid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.state.workers import CLUSTER, StoreSpec, bump, spec_json

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, "the crashing worker exited before reaching the update"
        assert time.monotonic() < deadline, "the crashing worker never reached the update"
        time.sleep(0.05)


def test_killed_holder_mid_update(spec: StoreSpec, tmp_path: Path) -> None:
    survivor = spec.backend("survivor")
    committed = survivor.update(CLUSTER, bump("survivor"))
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.state.workers", "crash", spec_json(spec), str(ready)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        _wait_for(ready, proc)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    orphan = ready.read_text()

    held = survivor.lock_status(CLUSTER)
    assert held is not None
    assert held.owner.startswith("worker-crasher")
    assert survivor.read_state(CLUSTER) == committed  # the half-done update never landed
    assert "half-done" in survivor.load_snapshot(CLUSTER, orphan)  # stored first, harmless

    handle = survivor.acquire_lock(CLUSTER, reason="after the crash", wait=30, lease=60)
    assert handle.info.owner.startswith("worker-survivor")
    [takeover] = survivor.list_history(cluster=CLUSTER)
    assert takeover.kind == "lock_takeover"
    assert "worker-crasher" in takeover.detail
    assert "about to crash" in takeover.detail
    after = survivor.update(CLUSTER, bump("survivor"))
    assert after.revision == committed.revision + 1
    survivor.release_lock(handle)
