"""Dependency cycles among apps, found without recursion (1000-app chains are fine)."""

from __future__ import annotations

_VISITING, _DONE = 1, 2


def dependency_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of ``graph`` (app -> apps it depends on) once, from its alphabetically first app.

    A cycle is reported as the path the depth-first search walked, so ``a -> b -> c -> a``
    reads in the order the ``depends_on`` entries point.
    """
    state: dict[str, int] = {}
    found: dict[frozenset[str], list[str]] = {}
    for root in sorted(graph):
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        state[root] = _VISITING
        while stack:
            node, index = stack[-1]
            deps = graph.get(node, [])
            if index == len(deps):
                stack.pop()
                path.pop()
                state[node] = _DONE
                continue
            stack[-1] = (node, index + 1)
            dep = deps[index]
            if state.get(dep) == _VISITING:
                cycle = path[path.index(dep) :]
                start = cycle.index(min(cycle))
                found.setdefault(frozenset(cycle), cycle[start:] + cycle[:start])
            elif dep not in state and dep in graph:
                state[dep] = _VISITING
                stack.append((dep, 0))
                path.append(dep)
    return sorted(found.values())
