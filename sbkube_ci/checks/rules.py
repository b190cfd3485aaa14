"""Built-in policy rules, switched on by name in ``checks.rules``; ``RULES`` lists them all.

A rule looks at one rendered object and yields (field path, message) for each violation;
violations are errors (``--strict`` fails the plan on them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sbkube_ci.checks.objects import containers, pod_spec

Violation = tuple[str, str]


@dataclass(frozen=True)
class Rule:
    description: str
    check: Callable[[dict[str, Any]], Iterator[Violation]]


def _containers(obj: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    found = pod_spec(obj)
    if found is not None:
        base, spec = found
        for path, container in containers(spec):
            yield f"{base}.{path}", container


def _no_latest_tag(obj: dict[str, Any]) -> Iterator[Violation]:
    for path, container in _containers(obj):
        image = str(container.get("image", ""))
        if "@" in image:
            continue  # pinned by digest
        name = image.rsplit("/", 1)[-1]
        tag = name.partition(":")[2]
        if tag in ("", "latest"):
            shown = f"{image!r} has no tag" if not tag else f"{image!r} uses :latest"
            yield f"{path}.image", f"{shown}; pin a version or a digest"


def _resources_required(obj: dict[str, Any]) -> Iterator[Violation]:
    for path, container in _containers(obj):
        if ".ephemeralContainers[" in path:
            continue  # the API forbids resources on ephemeral containers
        requests = (container.get("resources") or {}).get("requests") or {}
        missing = [r for r in ("cpu", "memory") if r not in requests]
        if missing:
            yield (
                f"{path}.resources.requests",
                f"no {' and no '.join(missing)} request; set resources.requests",
            )


def _no_host_path(obj: dict[str, Any]) -> Iterator[Violation]:
    found = pod_spec(obj)
    if found is None:
        return
    base, spec = found
    for index, volume in enumerate(spec.get("volumes") or []):
        if isinstance(volume, dict) and "hostPath" in volume:
            where = (volume.get("hostPath") or {}).get("path", "")
            yield (
                f"{base}.volumes[{index}].hostPath",
                f"volume {volume.get('name')!r} mounts the node's {where}; use a PVC or emptyDir",
            )


def _no_privileged(obj: dict[str, Any]) -> Iterator[Violation]:
    for path, container in _containers(obj):
        context = container.get("securityContext") or {}
        if context.get("privileged") is True:
            yield f"{path}.securityContext.privileged", "privileged container; drop privileged"


#: Every rule by the name ``checks.rules`` uses (``config.sections.RULE_NAMES`` lists the same).
RULES: dict[str, Rule] = {
    "no-latest-tag": Rule("every image has a tag other than latest, or a digest", _no_latest_tag),
    "resources-required": Rule("every container requests cpu and memory", _resources_required),
    "no-host-path": Rule("no pod mounts a hostPath volume", _no_host_path),
    "no-privileged": Rule("no container runs privileged", _no_privileged),
}
