"""Dependency cycles."""

from __future__ import annotations

from sbkube_ci.config.graph import dependency_cycles


def test_no_cycles() -> None:
    assert dependency_cycles({"a": ["b"], "b": ["c"], "c": []}) == []


def test_each_cycle_once_from_its_first_app() -> None:
    graph = {"c": ["a"], "a": ["b"], "b": ["c"], "x": ["y"], "y": ["x"], "z": ["a"]}
    assert dependency_cycles(graph) == [["a", "b", "c"], ["x", "y"]]


def test_long_chain_closing_into_a_cycle_needs_no_recursion() -> None:
    graph = {f"n{i:05d}": [f"n{i + 1:05d}"] for i in range(5000)}
    graph["n05000"] = ["n00000"]
    (cycle,) = dependency_cycles(graph)
    assert len(cycle) == 5001
    assert cycle[0] == "n00000"
