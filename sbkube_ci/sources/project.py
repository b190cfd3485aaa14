"""Prepare a whole project against ``sbkube.lock``: what ``prepare`` and ``template`` share."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable

from sbkube_ci.config.loader import Project
from sbkube_ci.sources.base import SourceContext
from sbkube_ci.sources.lockfile import LOCK_NAME, read_lock, write_lock
from sbkube_ci.sources.prepare import PrepareResult, prepare_apps
from sbkube_ci.workdir import WorkDir


def make_context(project: Project) -> SourceContext:
    """The source context of ``project``: its cache and its private ``.sbkube`` dir."""
    work = WorkDir(project.base_dir)
    return SourceContext(
        project=project,
        cache_dir=work.cache,
        work_dir=work.root,
        timeout=project.config.settings.timeout,
    )


def default_frozen() -> bool:
    """Frozen by default in CI (``CI=true``), like ``npm ci``."""
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def prepare_project(
    project: Project,
    names: Iterable[str] | None = None,
    *,
    clusters: Iterable[str] | None = None,
    frozen: bool | None = None,
    update: Collection[str] | bool = (),
    keep_going: bool = False,
    ctx: SourceContext | None = None,
) -> PrepareResult:
    """Prepare ``names`` (default: all enabled apps) against ``sbkube.lock`` and update it.

    Only the sources the apps use on ``clusters`` (default: every cluster) are prepared.

    ``frozen=None`` means: frozen in CI unless something is being updated. The lock is written
    (atomically, only when changed) unless frozen; with errors, pins of the apps that did
    succeed are still recorded.
    """
    ctx = ctx or make_context(project)
    if frozen is None:
        frozen = default_frozen() and not update
    lock_path = project.base_dir / LOCK_NAME
    result = prepare_apps(
        ctx,
        names,
        clusters=clusters,
        lock=read_lock(lock_path),
        frozen=frozen,
        update=update,
        keep_going=keep_going,
        max_workers=project.config.settings.max_workers,
    )
    if not frozen:
        write_lock(lock_path, result.lock)
    return result
