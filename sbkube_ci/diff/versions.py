"""Chart and image version changes of an app, read from its old and new manifests.

A reviewer wants "chart redis 19.6.0 → 19.6.2" and "image nginx 1.27 → 1.28" on a line of
their own, not hidden among label diffs. Charts come from the ``helm.sh/chart`` label every
chart sets; images from the containers of every pod template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sbkube_ci.plan_model import VersionChange

_CHART = re.compile(r"^(?P<name>.+?)-(?P<version>v?\d+(?:\.\d+)*(?:[-+].*)?)$")
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def version_changes(
    old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> list[VersionChange]:
    """Charts first, then images, each sorted by name; only names on both sides that moved."""
    old, new = list(old), list(new)
    return _changes("chart", _charts(old), _charts(new)) + _changes(
        "image", _images(old), _images(new)
    )


def _changes(
    kind: str, before: dict[str, set[str]], after: dict[str, set[str]]
) -> list[VersionChange]:
    changes = []
    for name in sorted(before.keys() & after.keys()):
        if before[name] != after[name]:
            old, new = ", ".join(sorted(before[name])), ", ".join(sorted(after[name]))
            changes.append(VersionChange(kind=kind, name=name, old=old, new=new))
    return changes


def _charts(objects: list[Mapping[str, Any]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for obj in objects:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        label = labels.get("helm.sh/chart") if isinstance(labels, Mapping) else None
        if isinstance(label, str) and (match := _CHART.match(label)):
            found.setdefault(match["name"], set()).add(match["version"])
    return found


def _images(objects: list[Mapping[str, Any]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for obj in objects:
        for image in _pod_images(obj):
            repository, tag = split_image(image)
            found.setdefault(repository, set()).add(tag)
    return found


def _pod_images(obj: Mapping[str, Any]) -> Iterator[str]:
    spec = obj.get("spec") or {}
    # Pod, then Deployment/StatefulSet/DaemonSet/Job/ReplicaSet, then CronJob
    pods = [spec, (spec.get("template") or {}).get("spec") or {}]
    job = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    pods.append(job.get("spec") or {})
    for pod in pods:
        if not isinstance(pod, Mapping):
            continue
        for key in _CONTAINER_LISTS:
            for container in pod.get(key) or []:
                if isinstance(container, Mapping) and isinstance(container.get("image"), str):
                    yield container["image"]


def split_image(image: str) -> tuple[str, str]:
    """``registry/repo:tag@sha256:…`` → (``registry/repo``, ``tag@sha256:…``); no tag: latest."""
    name, at, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        repository, tag = name[:colon], name[colon + 1 :]
    else:
        repository, tag = name, "" if at else "latest"
    short_digest = f"@{digest[:19]}" if at else ""
    return repository, (tag + short_digest) or short_digest
