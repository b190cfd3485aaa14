"""Benchmark ``sbkube-ci template`` on a generated project; every figure from the same run.

Usage (from the repository root, helm, kubectl and sbkube-render-worker on PATH):

    python bench/bench_render.py --apps 1000 [--workers 2] [--engine worker|cli] [--dir DIR]

Prints: the cold run's wall time against the floor (the sum of bare ``helm template`` times
for the same charts, values and flags, divided by the worker count; and, as before, that sum
with the bare ``kubectl kustomize`` runs added) and against the same bare runs made
``workers`` at a time (on a shared machine the last says how much of a gap is the machine's);
sbkube-ci's own CPU time; the warm re-run's wall time and helm process count; how many apps
re-render after one values file changes; and the peak RSS of the run (this process and its
largest child, which is the render worker with ``--engine worker``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate

REPORT_ENV = "SBKUBE_BENCH_REPORT"


def child(argv: list[str]) -> None:
    """Run the CLI in this process and write its peak RSS (self, largest child) as JSON."""
    import resource  # noqa: PLC0415 - only the child needs it

    from sbkube_ci.cli import main  # noqa: PLC0415

    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    usage = {
        "self_kb": own.ru_maxrss,
        "child_kb": children.ru_maxrss,
        "self_cpu": own.ru_utime + own.ru_stime,
        "child_cpu": children.ru_utime + children.ru_stime,
    }
    Path(os.environ[REPORT_ENV]).write_text(json.dumps(usage))
    sys.exit(code)


def counting_helm(directory: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``helm`` logs each call (then runs the real one), and the log."""
    real = shutil.which("helm")
    assert real, "helm must be on PATH"
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    log = directory / "helm-calls.log"
    log.unlink(missing_ok=True)
    wrapper = bin_dir / "helm"
    wrapper.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, log


def run_template(
    project: Path, workers: int, env: dict[str, str], report: Path
) -> dict[str, float]:
    """One ``sbkube-ci template`` in a fresh process; refuses a silent fall back to the CLI."""
    argv = ["template", "-C", str(project), "--max-workers", str(workers)]
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--child", *argv],
        env={**env, REPORT_ENV: str(report)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"template failed ({result.returncode}):\n{result.stderr[-2000:]}")
    if env.get("SBKUBE_RENDER_ENGINE") == "worker" and "notice:" in result.stderr:
        raise SystemExit(f"the render worker was not used: {result.stderr.strip()}")
    usage = json.loads(report.read_text())
    summary = result.stdout.strip().splitlines()[-1]
    rendered = int(summary.split(", ")[1].split()[0])
    return {"wall": wall, "rendered": rendered, **usage}


def bare_commands(project: Path) -> list[list[str]]:
    """The bare tool command of every app's render: the same charts, values and flags."""
    from sbkube_ci.config import load_project  # noqa: PLC0415

    config = load_project(project).config
    cluster = config.effective_clusters()["bench"]
    commands = []
    for name, app in config.apps.items():
        if app.type == "helm":
            chart = project / ".sbkube/build" / name
            argv = ["helm", "template", name, str(chart), "-f"]
            argv += [str(chart / "values.sbkube.bench.yaml"), "--namespace", "bench"]
            argv += ["--kube-version", str(cluster.kube_version), "--include-crds", "--skip-tests"]
            commands.append(argv)
        elif app.type == "kustomize":
            commands.append(["kubectl", "kustomize", str(project / "kustomize" / name)])
    return commands


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def floor_seconds(commands: list[list[str]], workers: int) -> tuple[float, float]:
    """The floors: the sum of the bare ``helm template`` times (one at a time) / ``workers``,
    and the same with the ``kubectl kustomize`` runs added."""
    times = [(argv[0], _timed(argv)) for argv in commands]
    helm = sum(t for tool, t in times if tool == "helm")
    return helm / workers, sum(t for _, t in times) / workers


def parallel_floor_seconds(commands: list[list[str]], workers: int) -> float:
    """Wall time of the bare commands run ``workers`` at a time: what this machine gives now."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_timed, commands))
    return time.perf_counter() - start


def helm_templates(log: Path) -> int:
    return sum(line == "template" for line in log.read_text().splitlines()) if log.exists() else 0


def helm_processes(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def bench(apps: int, workers: int, directory: Path, engine: str) -> None:
    project = directory / "project"
    counts = generate(project, apps)
    env, log = counting_helm(directory)
    env["SBKUBE_RENDER_ENGINE"] = engine
    report = directory / "rusage.json"
    print(f"apps: {apps} {counts}, workers: {workers}, engine: {engine}")

    cold = run_template(project, workers, env, report)
    cold_helm = helm_processes(log)
    commands = bare_commands(project)
    helm_floor, floor = floor_seconds(commands, workers)
    parallel = parallel_floor_seconds(commands, workers)
    helm_runs = sum(argv[0] == "helm" for argv in commands)
    print(
        f"cold:  wall {cold['wall']:.2f}s, helm-CLI floor {helm_floor:.2f}s ({helm_runs} bare "
        f"helm template / {workers}), ratio {cold['wall'] / helm_floor:.3f}; "
        f"helm processes {cold_helm}"
    )
    print(
        f"       with the {len(commands) - helm_runs} bare kubectl kustomize runs: floor "
        f"{floor:.2f}s, ratio {cold['wall'] / floor:.3f}; the same {len(commands)} bare runs "
        f"{workers} at a time took {parallel:.2f}s: ratio {cold['wall'] / parallel:.3f}"
    )
    print(f"       CPU: sbkube-ci {cold['self_cpu']:.2f}s, its tools {cold['child_cpu']:.2f}s")

    before = helm_processes(log)
    warm = run_template(project, workers, env, report)
    print(
        f"warm:  wall {warm['wall']:.2f}s, helm processes {helm_processes(log) - before}, "
        f"apps rendered {warm['rendered']:.0f}"
    )

    values = project / "values" / "app-0000.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", "replicaCount: 9"))
    before_templates = helm_templates(log)
    one = run_template(project, workers, env, report)
    print(
        f"one values file changed: wall {one['wall']:.2f}s, apps rendered {one['rendered']:.0f}, "
        f"helm template processes {helm_templates(log) - before_templates}"
    )

    own, largest = cold["self_kb"] / 1024, cold["child_kb"] / 1024
    children = 1 if engine == "worker" else workers  # the worker is one process
    print(
        f"peak RSS (cold run): sbkube-ci {own:.0f} MB + largest child {largest:.0f} MB = "
        f"{own + largest:.0f} MB; with {children} such children at once at most "
        f"{own + children * largest:.0f} MB"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", choices=("worker", "cli"), default="worker")
    parser.add_argument("--dir", type=Path, default=None, help="Work here (kept afterwards).")
    args = parser.parse_args()
    if args.dir is not None:
        bench(args.apps, args.workers, args.dir, args.engine)
        return
    with tempfile.TemporaryDirectory(prefix="sbkube-bench-") as tmp:
        bench(args.apps, args.workers, Path(tmp), args.engine)


if __name__ == "__main__":
    main()
