"""Failed apps as CI annotations: one per app, or one per cluster when they all failed alike.

An unset kubeconfig variable fails every app of a cluster with the same line; the operator
needs to read it once, not once per app.
"""

from __future__ import annotations

from collections.abc import Iterable

from sbkube_ci.ci.base import Annotation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.terminal import plural


def failure_annotations(outcomes: Iterable[AppOutcome], *, command: str) -> list[Annotation]:
    """``::error`` (GitHub) / log error (GitLab) per failed app, grouped by shared error."""
    outcomes = list(outcomes)
    groups: dict[tuple[str, str], list[str]] = {}
    for outcome in outcomes:
        if outcome.error:
            first = next((ln.strip() for ln in outcome.error.splitlines() if ln.strip()), "")
            groups.setdefault((outcome.cluster, first), []).append(outcome.app)
    annotations = []
    for (cluster, error), apps in groups.items():
        total = sum(1 for o in outcomes if o.cluster == cluster)
        if len(apps) > 1 and len(apps) == total:
            where, detail = cluster, f"all {plural(len(apps), 'app')} failed: {error}"
        elif len(apps) > 1:
            where, detail = cluster, f"{', '.join(apps)} failed: {error}"
        else:
            where, detail = f"{cluster}/{apps[0]}", error
        annotations.append(Annotation(f"{where}: {detail}", title=f"sbkube-ci {command}"))
    return annotations
