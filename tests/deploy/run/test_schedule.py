from __future__ import annotations

import threading
import time

import pytest

from sbkube_ci.deploy.run import schedule as dag

GRAPH = {"db": [], "cache": [], "api": ["db", "cache"], "web": ["api"], "docs": []}


def test_levels_are_sorted_and_respect_dependencies() -> None:
    assert dag.levels(GRAPH) == [["cache", "db", "docs"], ["api"], ["web"]]


def test_levels_refuse_cycles() -> None:
    with pytest.raises(ValueError, match="cycle among: a, b"):
        dag.levels({"a": ["b"], "b": ["a"], "c": []})


def test_run_orders_work_after_dependencies() -> None:
    finished: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        for dep in GRAPH[name]:
            assert dep in finished, f"{name} started before {dep} finished"
        time.sleep(0.01)
        with lock:
            finished.append(name)

    outcomes = dag.run(GRAPH, work, max_workers=4)
    assert {o.status for o in outcomes.values()} == {"succeeded"}
    assert finished.index("web") == 4


def test_independent_apps_run_in_parallel() -> None:
    barrier = threading.Barrier(3, timeout=5)
    outcomes = dag.run(
        {"a": [], "b": [], "c": []}, lambda _: barrier.wait() and None, max_workers=3
    )
    assert all(o.status == "succeeded" for o in outcomes.values())


def test_stop_lets_running_finish_and_starts_nothing_new() -> None:
    started: list[str] = []

    def work(name: str) -> None:
        started.append(name)
        if name == "cache":
            raise RuntimeError("boom")

    outcomes = dag.run(GRAPH, work, max_workers=1, on_failure="stop")
    assert outcomes["cache"] == dag.Outcome("cache", "failed", "boom")
    assert started == ["cache"]
    assert outcomes["db"].status == "skipped"
    assert outcomes["web"].error == "depends on failed cache"


def test_continue_skips_only_dependants() -> None:
    def work(name: str) -> None:
        if name == "db":
            raise RuntimeError("db down")

    outcomes = dag.run(GRAPH, work, max_workers=2, on_failure="continue")
    assert outcomes["db"].status == "failed"
    assert outcomes["api"].status == "skipped"
    assert outcomes["web"].status == "skipped"
    assert outcomes["cache"].status == "succeeded"
    assert outcomes["docs"].status == "succeeded"


def test_cancel_stops_scheduling() -> None:
    cancel = threading.Event()

    def work(name: str) -> None:
        cancel.set()

    outcomes = dag.run(GRAPH, work, max_workers=1, cancel=cancel)
    assert [o.name for o in outcomes.values() if o.status == "succeeded"] == ["cache"]
    assert all(o.status == "skipped" for n, o in outcomes.items() if n != "cache")


def test_dependants_are_transitive() -> None:
    assert dag.dependants(GRAPH, {"db"}) == {"api", "web"}
