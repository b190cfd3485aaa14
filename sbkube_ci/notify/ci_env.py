"""Events whose actor, commit, run and PR links come from the CI job (``ci.context``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sbkube_ci.ci.context import CIContext
from sbkube_ci.notify.events import AppChange, EventName, Failure, Notification

__all__ = ["CIContext", "ci_context", "notification_from_ci_env"]


def ci_context(environ: Mapping[str, str] | None = None) -> CIContext:
    """The CI context of this process: GitHub Actions, GitLab CI, or nothing known."""
    return CIContext.from_env(environ)


def notification_from_ci_env(
    kind: EventName,
    *,
    clusters: Iterable[str],
    apps: Iterable[AppChange] = (),
    project: str = "",
    duration: float | None = None,
    failure: Failure | None = None,
    detail: str = "",
    environ: Mapping[str, str] | None = None,
) -> Notification:
    """An ``Notification`` whose actor, commit, PR and run links come from the CI variables."""
    ctx = CIContext.from_env(environ)
    return Notification(
        kind=kind,
        clusters=tuple(clusters),
        apps=tuple(apps),
        project=project,
        actor=ctx.actor,
        commit=ctx.commit,
        pr_url=ctx.pr_url,
        run_url=ctx.run_url,
        duration=duration,
        failure=failure,
        detail=detail,
    )
