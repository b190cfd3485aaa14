"""Benchmark what plan's checks cost: the same plans with checks on and off, in one run.

Usage (from the repository root, helm and kubectl on PATH):

    python bench/bench_checks.py --apps 1000 [--dir /tmp/sbkube-bench-checks] [--rounds 3]
        [--cold-rounds 2]

Two copies of the generated project (``bench/generate.py``: 70% helm, 20% yaml, 10%
kustomize): one with every check off (``checks: {schemas: false, deprecated_apis: false,
random_renders: false}``, the reference) and one with every check on, the four policy rules
included. For each copy, in one run:

1. **cold**: ``make_plan`` (and writing plan.json) on an empty cache and state, in a fresh
   interpreter, with ``check_cluster`` timed from outside, ``--cold-rounds`` times per copy
   alternating which copy goes first; the median walls, their ratio, and the median time of
   ``check_cluster`` against the reference's wall.
2. **warm**: after recording the render as deployed (as ``bench_plan.py`` does), ONE app's
   values change and ``sbkube-ci plan`` runs as a fresh process on each copy, alternating which
   copy goes first, ``--rounds`` times; the median wall times, their difference, and the time
   of ``check_cluster`` inside a warm plan (fresh interpreter).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_plan import change_values, record_deployed, run_cli  # noqa: E402
from bench.bench_render import counting_helm  # noqa: E402
from bench.generate import generate  # noqa: E402

CHECKS_OFF = "checks: {schemas: false, deprecated_apis: false, random_renders: false}\n"
CHECKS_ON = "checks:\n  rules: [no-latest-tag, resources-required, no-host-path, no-privileged]\n"


def child(project_dir: Path) -> None:
    """(in a fresh interpreter) one make_plan and its outputs; prints JSON timings.

    ``render_project``, ``check_cluster`` and ``plan_cluster`` (the diff) are timed from
    outside, so a difference between the two copies can be put where it is: the render is the
    same work in both.
    """
    import sbkube_ci.planning.engine as plan_module  # noqa: PLC0415
    from sbkube_ci.config import load_project  # noqa: PLC0415
    from sbkube_ci.diff.text import render_text  # noqa: PLC0415

    timings = {"checks": 0.0, "render": 0.0, "diff": 0.0}

    def timed(name: str, real: Any) -> Any:
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - start

        return wrapper

    plan_module.check_cluster = timed("checks", plan_module.check_cluster)
    plan_module.render_project = timed("render", plan_module.render_project)
    plan_module.plan_cluster = timed("diff", plan_module.plan_cluster)
    start = time.perf_counter()
    project = load_project(project_dir)
    outcome = plan_module.make_plan(project)
    masker = plan_module.build_masker(project)
    plan_module.write_plan(outcome.plan, project_dir / ".sbkube/plan.json", masker)
    render_text(outcome.plan, masker=masker)
    timings["wall"] = time.perf_counter() - start
    timings["findings"] = sum(len(c.checks) for c in outcome.plan.clusters)
    print(json.dumps(timings))


def run_child(project_dir: Path, env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(project_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"plan failed:\n{result.stderr[-3000:]}")
    timings: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return timings


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="Warm plans per copy.")
    parser.add_argument("--cold-rounds", type=int, default=2, help="Cold plans per copy.")
    parser.add_argument("--dir", type=Path, default=None, help="Work here (kept afterwards).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sbkube-bench-checks-") as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        env, _ = counting_helm(directory)
        env.pop("SBKUBE_CACHE_DIR", None)
        env.pop("CI", None)
        pristine = directory / "pristine"
        counts = generate(pristine, args.apps)
        print(f"apps: {args.apps} {counts}")
        copies = {"off": directory / "off", "on": directory / "on"}
        for name, copy in copies.items():
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(pristine, copy)
            with (copy / "sbkube.yaml").open("a") as handle:
                handle.write(CHECKS_OFF if name == "off" else CHECKS_ON)
        cold(copies, env, args.cold_rounds)
        for name, copy in copies.items():  # the warm plans start from a cold plan's cache
            shutil.rmtree(copy)
            copy.with_name(f"{name}-cold").rename(copy)
        warm(copies, env, args.rounds)


def cold(copies: dict[str, Path], env: dict[str, str], rounds: int) -> None:
    """Cold plans on fresh copies, alternating which goes first: the machine's load hits both."""
    runs: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for attempt in range(rounds):
        for name in ["off", "on"] if attempt % 2 == 0 else ["on", "off"]:
            fresh = copies[name].with_name(f"{name}-cold")
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.copytree(copies[name], fresh)
            runs[name].append(run_child(fresh, env))
    on = statistics.median(r["wall"] for r in runs["on"])
    off = statistics.median(r["wall"] for r in runs["off"])
    checks = statistics.median(r["checks"] for r in runs["on"])
    for name, label in (("on", "with checks"), ("off", "without")):
        for r in runs[name]:
            print(
                f"cold:  plan {label}: {r['wall']:.2f}s = render_project {r['render']:.2f}s "
                f"+ check_cluster {r['checks']:.2f}s + plan_cluster (diff) {r['diff']:.2f}s "
                f"+ rest {r['wall'] - r['render'] - r['checks'] - r['diff']:.2f}s"
            )
    print(
        f"cold:  median with checks {on:.2f}s, without {off:.2f}s: ratio {on / off:.3f} "
        f"(target <= 1.15); check_cluster itself (median) {checks:.2f}s = {checks / off:.1%} "
        f"of the plan without checks; {runs['on'][0]['findings']:.0f} findings"
    )


def warm(copies: dict[str, Path], env: dict[str, str], rounds: int) -> None:
    for copy in copies.values():
        record_deployed(copy)
    walls: dict[str, list[float]] = {"off": [], "on": []}
    for attempt in range(rounds):
        order = ["off", "on"] if attempt % 2 == 0 else ["on", "off"]
        for name in order:
            change_values(copies[name], 21 + attempt)
            walls[name].append(run_cli(["plan", "-C", str(copies[name])], env, ok=(2,)))
    on, off = statistics.median(walls["on"]), statistics.median(walls["off"])
    shown = {k: ", ".join(f"{w:.2f}" for w in v) for k, v in walls.items()}
    print(
        f"warm:  sbkube-ci plan (CLI, Python's start included) after one values change, "
        f"median of {rounds}: with checks "
        f"{on:.2f}s [{shown['on']}], without {off:.2f}s [{shown['off']}]: "
        f"+{on - off:.2f}s (target <= 0.3 s)"
    )
    inside: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for attempt in range(rounds):
        order = ["off", "on"] if attempt % 2 == 0 else ["on", "off"]
        for name in order:
            change_values(copies[name], 41 + attempt)
            inside[name].append(run_child(copies[name], env))
    on_in = statistics.median(r["wall"] for r in inside["on"])
    off_in = statistics.median(r["wall"] for r in inside["off"])
    checks = statistics.median(r["checks"] for r in inside["on"])
    print(
        f"       in-process warm make_plan and outputs, median of {rounds}: with checks "
        f"{on_in:.2f}s, without {off_in:.2f}s: +{on_in - off_in:.2f}s; "
        f"check_cluster itself {checks:.3f}s (target <= 0.3 s)"
    )
    for name, label in (("on", "with checks"), ("off", "without")):
        phases = ", ".join(
            f"{r['wall']:.2f}s (render_project {r['render']:.2f}s, check_cluster "
            f"{r['checks']:.3f}s, diff {r['diff']:.3f}s)"
            for r in inside[name]
        )
        print(f"       in-process warm {label}: {phases}")
    print(f"       importing the checks: {_import_cost(env):.3f}s")


def _import_cost(env: dict[str, str]) -> float:
    """What importing sbkube_ci.checks adds to a plan process that has imported the rest."""
    code = (
        "import time, sbkube_ci.commands.plan as p, sys\n"
        "mods = [m for m in sys.modules if m.startswith('sbkube_ci.checks')]\n"
        "for m in mods: del sys.modules[m]\n"
        "t = time.perf_counter(); import sbkube_ci.checks.run\n"
        "print(time.perf_counter() - t)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip())


if __name__ == "__main__":
    main()
