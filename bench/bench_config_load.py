"""How loading and checking sbkube.yaml scales with the number of apps.

Run: python bench/bench_config_load.py. Prints the time for 100 and 1000 helm apps (each with
values files, set_values, labels and two dependencies) and their ratio; ~10 means linear.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sbkube_ci._yaml import read_file
from sbkube_ci.config.loader import check_document


def _write(directory: Path, count: int) -> Path:
    (directory / "charts" / "app").mkdir(parents=True, exist_ok=True)
    (directory / "values").mkdir(exist_ok=True)
    (directory / "values" / "common.yaml").write_text("a: 1\n")
    lines = ["apiVersion: sbkube/v1", "settings:", "  helm_repos:"]
    lines += ["    bitnami: https://charts.bitnami.com/bitnami", "apps:"]
    for i in range(count):
        chart = "bitnami/redis" if i % 2 else "./charts/app"
        lines += [f"  app-{i}:", "    type: helm", f"    chart: {chart}", '    version: "1.2.3"']
        lines += ["    values: [values/common.yaml]", "    set_values:", "      replicaCount: 2"]
        lines += ["      image: {tag: v1, pullPolicy: IfNotPresent}", "    labels: {team: a}"]
        if i:
            lines.append(f"    depends_on: [app-{i - 1}, app-{max(0, i - 7)}]")
    path = directory / "sbkube.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _best_of(path: Path, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        config, problems = check_document(read_file(path), path.parent)
        best = min(best, time.process_time() - start)
        assert config is not None, problems
    return best


def main() -> None:
    timings = {}
    for count in (100, 1000):
        with tempfile.TemporaryDirectory() as tmp:
            timings[count] = _best_of(_write(Path(tmp), count))
        print(f"{count:5d} apps: {timings[count] * 1000:7.1f} ms CPU (best of 5)")
    print(f"ratio 1000/100: {timings[1000] / timings[100]:.1f} (10 = linear)")


if __name__ == "__main__":
    main()
