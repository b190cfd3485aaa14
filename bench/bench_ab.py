"""Compare two checkouts of sbkube-ci on the warm path of one rendered project, in one run.

Usage (helm and the render worker on PATH, the project rendered once already, e.g. by
``bench_render.py --dir DIR``, whose project is ``DIR/project``)::

    git worktree add /tmp/before HEAD~1
    python bench/bench_ab.py --before /tmp/before --after . --project DIR/project [--rounds 5]

Each round runs a fresh Python for each checkout, alternating, so both see the same machine
load; each measures ``load_project`` and then ``render_project`` (warm: nothing to render).
Prints the median of each figure per checkout and the ratio after/before. When the two
checkouts write ``.sbkube/`` differently (another header in a file), each needs its own copy
of the project, or every run redoes the other's work: ``--after-project`` (``cp -a`` it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_MEASURE = """
import json, time
from pathlib import Path
from sbkube_ci.config import load_project
from sbkube_ci.render import render_project
cpu, wall = time.process_time(), time.perf_counter()
project = load_project(Path("."))
loaded = time.perf_counter()
render_project(project)
done = time.perf_counter()
print(json.dumps({"load_project": loaded - wall, "render_project": done - loaded,
                  "cpu": time.process_time() - cpu}))
"""
FIGURES = ("load_project", "render_project", "cpu")


def measure(checkout: Path, project: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {key: float(value) for key, value in json.loads(out).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="a checkout of sbkube-ci")
    parser.add_argument("--after", type=Path, required=True, help="another checkout")
    parser.add_argument("--project", type=Path, required=True, help="a rendered project")
    parser.add_argument("--after-project", type=Path, help="a copy for --after (default: same)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    projects = {"before": args.project, "after": args.after_project or args.project}
    for side in ("before", "after"):  # once each: a first run may (re)write what it caches
        measure(getattr(args, side), projects[side])
    for _ in range(args.rounds):
        for side in ("before", "after"):
            runs[side].append(measure(getattr(args, side), projects[side]))
    print(f"project: {args.project}, rounds: {args.rounds} (medians, warm)")
    for figure in FIGURES:
        before = statistics.median(run[figure] for run in runs["before"])
        after = statistics.median(run[figure] for run in runs["after"])
        name = f"{figure} ({'CPU' if figure == 'cpu' else 'wall'})"
        print(f"{name:24} before {before:6.3f}s  after {after:6.3f}s  ratio {after / before:.2f}")


if __name__ == "__main__":
    main()
