"""The hidden first line that makes one PR/MR comment per cluster findable and updatable.

The plan renderer puts it first; the CI adapters search for it. Content of a PR (a manifest in
a diff can hold any string) cannot plant a second one: ``with_marker`` defuses every other.
"""

from __future__ import annotations

import re

_MARKER_START = "<!-- sbkube-ci:"
_MARKED = re.compile(r"<!-- sbkube-ci:plan:(\S+?) -->")


def comment_marker(cluster: str) -> str:
    """The hidden first line the CI adapters look for to update their comment in place."""
    return f"{_MARKER_START}plan:{cluster} -->"


def with_marker(cluster: str, body: str) -> str:
    """``body`` as the comment of ``cluster``: the marker first, and nowhere else."""
    tag = comment_marker(cluster)
    text = body.removeprefix(tag + "\n")
    # Another marker in the text (a manifest in a diff can hold any string) is defused so that
    # no search for the marker can be steered by the content of a PR.
    text = text.replace(_MARKER_START, "<!-- sbkube-ci\u200b:")
    return f"{tag}\n{text}"


def marked_cluster(body: str) -> str | None:
    """The cluster whose marker ``body`` starts with, if any."""
    found = _MARKED.match(body)
    return found.group(1) if found else None
