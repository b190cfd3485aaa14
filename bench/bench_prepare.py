"""Benchmark ``prepare`` against a local chart repository; every figure from the same run.

Usage (from the repository root, helm on PATH):

    python bench/bench_prepare.py --charts 40 [--workers 2]

Prints the cold run (resolve + download + unpack every chart) with one worker and with
``--workers``, the warm re-run (everything locked and cached) and the requests the warm run
made (0 expected), as ratios of the cold single-worker time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from sbkube_ci.commands.prepare import prepare
from sbkube_ci.config.loader import load_project
from tests.fixtures.chart_repo import ChartRepo


def _project(root: Path, repo: ChartRepo, charts: int) -> Path:
    apps = {
        f"app{i}": {"type": "helm", "chart": f"r/chart{i}", "version": "^1"} for i in range(charts)
    }
    config = {"apiVersion": "sbkube/v1", "settings": {"helm_repos": {"r": repo.url}}, "apps": apps}
    root.mkdir(parents=True, exist_ok=True)
    (root / "sbkube.yaml").write_text(yaml.safe_dump(config))
    return root


def _timed(root: Path, workers: int) -> float:
    project = load_project(root)
    project.config.settings.max_workers = workers
    start = time.perf_counter()
    result = prepare(project, frozen=False)
    elapsed = time.perf_counter() - start
    assert result.ok, result.errors
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charts", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    os.environ.pop("SBKUBE_CACHE_DIR", None)
    base = Path(tempfile.mkdtemp(prefix="sbkube-bench-prepare-"))
    repo = ChartRepo(base / "repo" / "www")
    (repo.root / "charts").mkdir(parents=True)
    repo.start()
    try:
        for i in range(args.charts):
            for version in ("1.0.0", "1.1.0"):
                repo.add(f"chart{i}", version)
        serial = _timed(_project(base / "serial", repo, args.charts), 1)
        parallel_root = _project(base / "parallel", repo, args.charts)
        parallel = _timed(parallel_root, args.workers)
        before = len(repo.requests)
        warm = _timed(parallel_root, args.workers)
        print(f"charts: {args.charts}, workers: {args.workers}")
        print(f"cold, 1 worker:        {serial:.2f}s (1.00)")
        print(f"cold, {args.workers} workers:       {parallel:.2f}s ({parallel / serial:.2f})")
        print(f"warm (locked, cached): {warm:.3f}s ({warm / serial:.3f})")
        print(f"requests in warm run:  {len(repo.requests) - before}")
    finally:
        repo.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
