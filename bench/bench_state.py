"""Throughput of the state backends under contention: many processes, one state document.

Run from the repository root: ``python bench/bench_state.py`` (all backends, the issue's
figure: 16 processes x 25 updates, then 8 processes racing for one lock), or
``--backends git --workers 8 --updates 10`` for a quicker look. S3 is a local moto server
(serving one request at a time, see tests/fixtures/s3_server.py) and Git a local
``git daemon``: the numbers compare the backends' protocol overhead on this machine, not
what AWS or GitHub would give.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.git_server import git  # noqa: E402
from tests.fixtures.net import free_port, wait_for_port  # noqa: E402
from tests.fixtures.s3_server import DUMMY_AWS_ENV, S3Server, start_server  # noqa: E402
from tests.state.workers import CLUSTER, StoreSpec, lock_worker, update_worker  # noqa: E402


@contextmanager
def s3_spec(tmp: Path) -> Iterator[StoreSpec]:
    os.environ.update(DUMMY_AWS_ENV)
    port = free_port()
    proc = start_server(port)
    try:
        server = S3Server(port)
        yield StoreSpec("s3", server.create_bucket("bench-state"), server.endpoint_url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def git_spec(tmp: Path) -> Iterator[StoreSpec]:
    root = tmp / "git-server"
    root.mkdir()
    git("init", "-q", "--bare", str(root / "state.git"))
    port = free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", f"--base-path={root}", "--export-all", "--enable=receive-pack",
         "--reuseaddr", "--listen=127.0.0.1", f"--port={port}", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        url = f"git://127.0.0.1:{port}/state.git"
        yield StoreSpec("git", url, cache_root=str(tmp / "caches"))
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@contextmanager
def local_spec(tmp: Path) -> Iterator[StoreSpec]:
    yield StoreSpec("local", str(tmp / "state"))


SPECS = {"local": local_spec, "s3": s3_spec, "git": git_spec}


def run_updates(spec: StoreSpec, workers: int, updates: int) -> float:
    """Updates per second; checks that none was lost."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        names = [str(i) for i in range(workers)]
        list(pool.map(update_worker, [spec] * workers, names, [updates] * workers))
    elapsed = time.perf_counter() - started
    backend = spec.backend()
    state, records = backend.read_state(CLUSTER), backend.list_history(cluster=CLUSTER)
    total = workers * updates
    assert state.revision == total, f"state revision {state.revision}, expected {total}"
    assert len({r.id for r in records}) == total, f"{len(records)} history records"
    return total / elapsed


def run_lock_race(spec: StoreSpec, workers: int, rounds: int, tmp: Path) -> tuple[float, int]:
    """Acquisitions per second and the number of overlapping holders seen (must be 0)."""
    context = multiprocessing.get_context("fork")
    shared = str(tmp / f"holder-{spec.kind}")
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        overlaps = sum(
            pool.map(
                lock_worker,
                [spec] * workers,
                [f"l{i}" for i in range(workers)],
                [rounds] * workers,
                [shared] * workers,
                [0.01] * workers,
            )
        )
    return workers * rounds / (time.perf_counter() - started), overlaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local,s3,git")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--updates", type=int, default=25)
    parser.add_argument("--lock-workers", type=int, default=8)
    parser.add_argument("--lock-rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.workers} processes x {args.updates} updates; "
          f"{args.lock_workers} processes x {args.lock_rounds} lock rounds")  # fmt: skip
    print(f"{'backend':8} {'updates/s':>10} {'locks/s':>8} {'overlaps':>8}")
    results: dict[str, float] = {}
    for name in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            with SPECS[name](tmp) as spec:
                rate = run_updates(spec, args.workers, args.updates)
                locks, overlaps = run_lock_race(spec, args.lock_workers, args.lock_rounds, tmp)
        results[name] = rate
        print(f"{name:8} {rate:10.1f} {locks:8.1f} {overlaps:8d}", flush=True)
    if "local" in results:
        ratios = ", ".join(f"{k} {results['local'] / v:.1f}x" for k, v in results.items())
        print(f"slower than local: {ratios}")


if __name__ == "__main__":
    main()
