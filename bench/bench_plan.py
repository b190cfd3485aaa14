"""Benchmark ``sbkube-ci plan`` on a generated project; every figure from the same run.

Usage (from the repository root, helm and kubectl on PATH):

    python bench/bench_plan.py --apps 1000 [--workers 2] [--dir /tmp/sbkube-bench-plan]
    python bench/bench_plan.py --apps 1000 --profile 30   # also cProfile the warm plan

Prints:

1. cold ``plan`` (empty cache, empty state) against cold ``template`` on an identical fresh
   copy of the project, and their ratio;
2. after recording the render as deployed in the local state backend (as a deploy does: one
   snapshot per app, then one state update) and changing ONE app's values file: the warm
   ``plan``'s wall time and helm process count, then a breakdown of a warm ``make_plan`` (one
   more values change) measured in a fresh interpreter by timing, from outside, the functions
   it calls: ``render_project``, ``read_state`` and ``plan_cluster`` (the diff engine).

Every CLI run is a fresh ``python -m sbkube_ci`` process, so wall times include Python's start
and loading ``sbkube.yaml``. The plan CLI has no ``--max-workers``: it uses one worker per
core, so ``--workers`` defaults to the core count to compare like with like.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_render import counting_helm, helm_processes  # noqa: E402
from bench.generate import generate  # noqa: E402

CLUSTER = "bench"
CHANGED = "values/app-0000.yaml"


def run_cli(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    """Wall time of ``sbkube-ci ARGV`` in a fresh interpreter."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode not in ok:
        raise SystemExit(f"{argv[0]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return wall


def record_deployed(project_dir: Path) -> int:
    """Record the current render as deployed, as a deploy would: snapshots, then one update."""
    from sbkube_ci.config import load_project  # noqa: PLC0415
    from sbkube_ci.render import render_project  # noqa: PLC0415
    from sbkube_ci.state import open_backend  # noqa: PLC0415
    from sbkube_ci.state.models import AppState, StateDocument  # noqa: PLC0415

    project = load_project(project_dir)
    render = render_project(project, clusters=[CLUSTER])
    backend = open_backend(project)
    states = {
        name: AppState(
            revision=1,
            render_digest=app.render_digest,
            input_digest=app.input_digest,
            snapshot=backend.save_snapshot(CLUSTER, app.text),
        )
        for name, app in render.for_cluster(CLUSTER).items()
    }

    def mutate(doc: StateDocument) -> StateDocument:
        doc.apps.update(states)
        return doc

    backend.update(CLUSTER, mutate, message="bench: record deployed")
    return len(states)


def change_values(project_dir: Path, replicas: int) -> None:
    """Give the one changed app a new replica count (a new input digest each time)."""
    path = project_dir / CHANGED
    lines = path.read_text().splitlines()
    lines[0] = f"replicaCount: {replicas}"
    path.write_text("\n".join(lines) + "\n")


def breakdown(project_dir: Path, profile_lines: int) -> None:
    """(child) One warm make_plan, its callees timed from outside; prints JSON timings."""
    import sbkube_ci.planning.engine as plan_module  # noqa: PLC0415
    import sbkube_ci.render.result as result_module  # noqa: PLC0415
    from sbkube_ci.config import load_project  # noqa: PLC0415
    from sbkube_ci.diff.text import render_text  # noqa: PLC0415
    from sbkube_ci.state.backend import StateBackend  # noqa: PLC0415

    timings: dict[str, float] = {}

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    def counted(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            timings[name] = timings.get(name, 0) + 1
            return func(*args, **kwargs)

        return wrapper

    # What a warm plan must not do for unchanged apps: read snapshots or parse manifests.
    StateBackend.load_snapshot = counted("snapshots_read", StateBackend.load_snapshot)  # type: ignore[method-assign]
    plan_module.load_objects = counted("snapshots_parsed", plan_module.load_objects)
    result_module.load_objects = counted("renders_parsed", result_module.load_objects)
    plan_module.render_project = timed("render_project", plan_module.render_project)
    plan_module.plan_cluster = timed("plan_cluster", plan_module.plan_cluster)
    StateBackend.read_state = timed("read_state", StateBackend.read_state)  # type: ignore[method-assign]
    if profile_lines:
        serial_render()  # cProfile sees only the thread it runs in
    start = time.perf_counter()
    project = load_project(project_dir)
    timings["load_project"] = time.perf_counter() - start
    profiler = cProfile.Profile() if profile_lines else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    outcome = plan_module.make_plan(project)
    if profiler:
        profiler.disable()
    timings["make_plan"] = time.perf_counter() - start
    start = time.perf_counter()
    masker = plan_module.build_masker(project)
    plan_module.write_plan(outcome.plan, project_dir / ".sbkube/plan.json", masker)
    render_text(outcome.plan, masker=masker)
    timings["output"] = time.perf_counter() - start
    actions = [a.action for c in outcome.plan.clusters for a in c.apps]
    timings["updated"] = actions.count("update")
    print(json.dumps(timings))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile_lines)
        print(out.getvalue(), file=sys.stderr)


def serial_render() -> None:
    """Make the render pipeline run its units one by one in this thread (for cProfile)."""
    from sbkube_ci.render import pipeline  # noqa: PLC0415

    def serial(ctx: Any, items: dict[Any, Any], work: Any, *, stop_on_error: bool) -> Any:
        return {key: work(key, value) for key, value in items.items()}

    pipeline._parallel = serial


def run_breakdown(project_dir: Path, env: dict[str, str], profile_lines: int) -> dict[str, float]:
    argv = [sys.executable, __file__, "--breakdown", str(project_dir)]
    result = subprocess.run(
        [*argv, "--profile", str(profile_lines)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"breakdown failed:\n{result.stderr[-3000:]}")
    if profile_lines:
        print(result.stderr)
    timings: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return timings


def cold(directory: Path, apps: int, workers: int, env: dict[str, str], log: Path) -> Path:
    pristine = directory / "pristine"
    counts = generate(pristine, apps)
    print(f"apps: {apps} {counts}, workers: {workers}")
    plan_dir, template_dir = directory / "plan", directory / "template"
    for copy in (plan_dir, template_dir):
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(pristine, copy)
    before = helm_processes(log)
    template = run_cli(["template", "-C", str(template_dir), "--max-workers", str(workers)], env)
    template_helm = helm_processes(log) - before
    before = helm_processes(log)
    plan = run_cli(["plan", "-C", str(plan_dir)], env, ok=(2,))
    plan_helm = helm_processes(log) - before
    print(
        f"cold:  plan {plan:.2f}s ({plan_helm} helm processes), "
        f"template {template:.2f}s ({template_helm} helm processes), "
        f"ratio plan/template {plan / template:.3f} (target <= 1.2)"
    )
    return plan_dir


def warm(
    project_dir: Path, workers: int, env: dict[str, str], log: Path, profile_lines: int
) -> None:
    start = time.perf_counter()
    recorded = record_deployed(project_dir)
    print(f"state: {recorded} apps recorded as deployed in {time.perf_counter() - start:.2f}s")
    walls = []
    for attempt in range(2):  # plan and template alternate: the machine's load hits both
        change_values(project_dir, 11 + 2 * attempt)
        before = helm_processes(log)
        wall = run_cli(["plan", "-C", str(project_dir)], env, ok=(2,))
        helm = helm_processes(log) - before
        change_values(project_dir, 12 + 2 * attempt)
        argv = ["template", "-C", str(project_dir), "--max-workers", str(workers)]
        template = run_cli(argv, env)
        walls.append(wall)
        print(
            f"warm {attempt + 1}: plan after one values change {wall:.2f}s (target <= 2 s), "
            f"helm processes {helm} (1 with SBKUBE_RENDER_ENGINE=cli, 0 with the worker); "
            f"for reference template after another values change {template:.2f}s "
            f"(plan/template {wall / template:.2f})"
        )
    wall = min(walls)
    print(f"       python -m sbkube_ci --help (imports only) {run_cli(['--help'], env):.2f}s")
    change_values(project_dir, 15)
    t = run_breakdown(project_dir, env, profile_lines)
    rest = t["make_plan"] - t["render_project"] - t["read_state"] - t["plan_cluster"]
    print(
        f"       in-process (another values change{', under cProfile' if profile_lines else ''}): "
        f"load_project {t['load_project']:.2f}s, "
        f"make_plan {t['make_plan']:.2f}s = render_project {t['render_project']:.2f}s "
        f"+ read_state {t['read_state']:.3f}s + plan_cluster (diff) {t['plan_cluster']:.3f}s "
        f"+ rest {rest:.3f}s; apps updated {t['updated']:.0f}; "
        f"then plan.json, plan.md and the text {t['output']:.2f}s"
    )
    print(
        f"       snapshots read {t.get('snapshots_read', 0):.0f}, parsed "
        f"{t.get('snapshots_parsed', 0):.0f}; renders parsed {t.get('renders_parsed', 0):.0f}"
    )
    print(
        f"       diff share of make_plan {t['plan_cluster'] / t['make_plan']:.1%}, "
        f"of the faster CLI wall {t['plan_cluster'] / wall:.1%} (target <= 20%)"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--breakdown":
        breakdown(Path(sys.argv[2]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dir", type=Path, default=None, help="Work here (kept afterwards).")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="LINES", help="cProfile the warm make_plan."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sbkube-bench-plan-") as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        env, log = counting_helm(directory)
        env.pop("SBKUBE_CACHE_DIR", None)  # each copy's cache starts empty under .sbkube/
        env.pop("CI", None)  # the local backend warns in CI; this is not CI
        project = cold(directory, args.apps, args.workers, env, log)
        warm(project, args.workers, env, log, args.profile)


if __name__ == "__main__":
    main()
