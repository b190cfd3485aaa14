"""Apply 200 apps x 5 objects to the fake API server with 1 and with 8 workers.

Run from the repository root: ``python bench/bench_apply.py``. The fake server runs in its own
process (as a real API server would be elsewhere) and reports how long it spent handling
requests, so the applier's own per-object cost can be told apart from the server's.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from sbkube_ci.deploy.apply.applier import Applier
from sbkube_ci.deploy.apply.readiness import ReadinessWaiter
from sbkube_ci.deploy.kube.client import KubeClient
from tests.fakekube.fixture import kubeconfig
from tests.fakekube.routes import Request
from tests.fakekube.server import FakeKubeServer

APPS = 200
NAMESPACE = "bench"


class _TimedServer(FakeKubeServer):
    def __init__(self) -> None:
        super().__init__()
        self.busy = 0.0
        self._busy_lock = threading.Lock()

    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        started = time.perf_counter()
        try:
            return super().handle(request)
        finally:
            with self._busy_lock:
                self.busy += time.perf_counter() - started


def _serve(conn: Connection) -> None:
    server = _TimedServer()
    server.store.auto_ready = True  # readiness is satisfied as soon as objects are written
    server.start()
    conn.send(server.url)
    conn.recv()
    conn.send((server.busy, len(server.requests)))
    server.stop()


def _app_objects(index: int) -> list[dict[str, Any]]:
    name = f"app{index:03d}"

    def config_map(suffix: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{name}-{suffix}"},
            "data": {"index": str(index), "suffix": suffix},
        }

    def deployment(suffix: str) -> dict[str, Any]:
        labels = {"app": f"{name}-{suffix}"}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": f"{name}-{suffix}"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
                },
            },
        }

    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": f"{name}-web"}, "ports": [{"port": 80}]},
    }
    return [
        config_map("env"),
        config_map("files"),
        service,
        deployment("web"),
        deployment("worker"),
    ]


def _run(workers: int) -> tuple[float, float, int]:
    """Wall seconds, server busy seconds and request count for one full apply."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(child,))
    process.start()
    url = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kubeconfig"
        path.write_text(yaml.safe_dump(kubeconfig(url)))
        with KubeClient.from_kubeconfig(path, "fake") as kube:
            namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
            kube.resource("v1", "Namespace").create(body=namespace)
            waiter = ReadinessWaiter(kube, first_interval=0.01)
            applier = Applier(kube, cluster="bench", waiter=waiter)
            apps = [(f"app{i:03d}", _app_objects(i)) for i in range(APPS)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(
                    pool.map(
                        lambda app: applier.apply_app(app[0], app[1], [], namespace=NAMESPACE),
                        apps,
                    )
                )
            wall = time.perf_counter() - started
    assert sum(len(r.inventory) for r in results) == APPS * 5
    parent.send("stop")
    busy, requests = parent.recv()
    process.join()
    return wall, busy, requests


def main() -> None:
    objects = APPS * 5
    print(f"apps={APPS} objects/app=5 objects={objects} (ConfigMap x2, Service, Deployment x2)")
    runs = {}
    for workers in (1, 8):
        wall, busy, requests = _run(workers)
        runs[workers] = wall
        print(
            f"workers={workers}: wall {wall:.2f}s, {wall / objects * 1000:.2f} ms/object, "
            f"{requests} requests ({requests / objects:.1f}/object), server busy {busy:.2f}s"
        )
        if workers == 1:
            overhead = (wall - busy) / objects * 1000
            print(
                f"applier overhead (client side, excluding server handling time, 1 worker): "
                f"{overhead:.2f} ms/object"
            )
    print(f"speedup 8 workers vs 1: {runs[1] / runs[8]:.2f}x")


if __name__ == "__main__":
    main()
