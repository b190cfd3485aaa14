"""Run work over the ``depends_on`` graph: each app starts as soon as its dependencies finish.

Ties are broken alphabetically so runs are reproducible. Independent apps run in parallel up to
``max_workers``. A failure stops scheduling (``stop``: running apps finish, nothing new starts)
or only skips the failed app's dependants (``continue``). A cancellation event (set on SIGTERM)
behaves like ``stop``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

Status = Literal["succeeded", "failed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    name: str
    status: Status
    error: str | None = None


def levels(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """The apps in dependency levels (level 0 depends on nothing), each level sorted."""
    remaining = {name: {d for d in deps if d in graph} for name, deps in graph.items()}
    result: list[list[str]] = []
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps)
        if not ready:
            raise ValueError(f"dependency cycle among: {', '.join(sorted(remaining))}")
        result.append(ready)
        for name in ready:
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return result


def dependants(graph: Mapping[str, list[str]], roots: set[str]) -> set[str]:
    """Every app that depends, directly or not, on one of ``roots`` (roots excluded)."""
    found: set[str] = set()
    frontier = set(roots)
    while frontier:
        frontier = {n for n, deps in graph.items() if frontier & set(deps)} - found - roots
        found |= frontier
    return found


def run(
    graph: Mapping[str, list[str]],
    work: Callable[[str], None],
    *,
    max_workers: int,
    on_failure: Literal["stop", "continue"] = "stop",
    cancel: threading.Event | None = None,
) -> dict[str, Outcome]:
    """Call ``work(app)`` for every app in dependency order; exceptions mark the app failed."""
    levels(graph)  # refuse cycles before starting anything
    pending = {name: {d for d in deps if d in graph} for name, deps in graph.items()}
    outcomes: dict[str, Outcome] = {}
    stopped = False
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        running: dict[Future[None], str] = {}
        while pending or running:
            if cancel is not None and cancel.is_set():
                stopped = True
            if not stopped:
                for name in sorted(n for n, deps in pending.items() if not deps):
                    if len(running) >= max(1, max_workers):
                        break
                    del pending[name]
                    running[pool.submit(work, name)] = name
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED, timeout=0.5)
            for future in done:
                name = running.pop(future)
                error = future.exception()
                if error is None:
                    outcomes[name] = Outcome(name, "succeeded")
                    for deps in pending.values():
                        deps.discard(name)
                    continue
                outcomes[name] = Outcome(name, "failed", str(error) or type(error).__name__)
                if on_failure == "stop":
                    stopped = True
                for skipped in dependants(graph, {name}) & set(pending):
                    del pending[skipped]
                    outcomes[skipped] = Outcome(skipped, "skipped", f"depends on failed {name}")
    for name in pending:
        outcomes[name] = Outcome(name, "skipped", "not started: the run was stopped")
    return outcomes
