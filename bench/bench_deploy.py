"""Deploy 40 yaml apps to the fake API server with local state: first deploy vs a no-op one.

Run from the repository root: ``python bench/bench_deploy.py``. Prints where a deploy's time
goes (planning, applying, state writes) and the no-op redeploy as a share of the first one,
measured in this run (no absolute thresholds: the machine is shared).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from sbkube_ci.commands import deploy as deploy_command
from sbkube_ci.commands.deploy import DeployRequest, run_deploy
from sbkube_ci.config.loader import load_project
from sbkube_ci.state import StateBackend, open_backend
from tests.fakekube.fixture import kubeconfig
from tests.fakekube.server import FakeKubeServer

APPS = 40


class _Timed:
    """Wraps a callable and adds up the time spent in it."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def _project(root: Path, server_url: str) -> None:
    (root / "kubeconfig").write_text(yaml.safe_dump(kubeconfig(server_url)))
    (root / "manifests").mkdir()
    apps: dict[str, Any] = {
        "namespace": {"type": "yaml", "manifests": ["manifests/namespace.yaml"]},
    }
    (root / "manifests" / "namespace.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}\n"
    )
    for index in range(APPS):
        name = f"app{index:02d}"
        objects = [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-{n}"},
             "data": {"n": str(n)}}
            for n in range(2)
        ]  # fmt: skip
        (root / "manifests" / f"{name}.yaml").write_text(yaml.safe_dump_all(objects))
        apps[name] = {
            "type": "yaml",
            "manifests": [f"manifests/{name}.yaml"],
            "depends_on": ["namespace"],
        }
    config = {
        "apiVersion": "sbkube/v1",
        "settings": {"namespace": "bench", "max_workers": 4},
        "clusters": {"bench": {"kubeconfig": "kubeconfig"}},
        "apps": apps,
    }
    (root / "sbkube.yaml").write_text(yaml.safe_dump(config))


def _deploy(root: Path) -> tuple[float, float, float, int]:
    project = load_project(root)
    backend: StateBackend = open_backend(project)
    update = _Timed(backend.update)
    backend.update = update  # type: ignore[method-assign]
    plan = _Timed(deploy_command.make_plan)
    deploy_command.make_plan = plan  # type: ignore[assignment]
    started = time.perf_counter()
    report = run_deploy(project, DeployRequest(), echo=lambda line: None, backend=backend)
    total = time.perf_counter() - started
    assert report.exit_code == 0, report.text()
    return total, plan.seconds, update.seconds, len(report.results)


def main() -> None:
    server = FakeKubeServer()
    server.store.auto_ready = True
    server.start()
    original = deploy_command.make_plan
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            _project(root, server.url)
            for label in ("first deploy", "no-op redeploy"):
                total, planning, writes, apps = _deploy(root)
                deploy_command.make_plan = original
                print(
                    f"{label:15} {apps:3d} apps  total {total:6.2f}s  plan {planning / total:4.0%}"
                    f"  state writes {writes / total:4.0%}"
                    f"  apply+rest {(total - planning - writes) / total:4.0%}"
                )
                if label == "first deploy":
                    first = total
            print(f"no-op redeploy / first deploy: {total / first:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
