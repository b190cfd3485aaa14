"""``prepare_apps``: resolve every app's source (or take its pin from the lock) and fetch it.

Sources are keyed as ``sbkube.lock`` keys them: by app name, or ``<app>@<cluster>`` where a
cluster sets the app's chart version or path (``Config.source_key``). A source whose lock
entry still answers what the config asks is not resolved again: its pin is fetched, and a pin
whose content is already in the cache needs no network at all. Frozen mode (CI) refuses to
change the lock: every source that would need a new resolution is one line.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sbkube_ci.config.apps import App
from sbkube_ci.config.models import app_of
from sbkube_ci.errors import SbkubeError, SourceError
from sbkube_ci.progress import first_line
from sbkube_ci.sources import SOURCES, source_kind
from sbkube_ci.sources.base import Pin, PreparedSource, Request, Source, SourceContext
from sbkube_ci.sources.lockfile import Lockfile

UNLOCKED_KINDS = frozenset({"local"})  # versioned with the repository itself


class LockDrift(SourceError):
    """``--frozen`` and the lock does not answer the configuration; one line per app."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class PrepareResult:
    """What ``prepare_apps`` produced: prepared sources, per-app errors, the new lock."""

    prepared: dict[str, PreparedSource] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    lock: Lockfile = field(default_factory=Lockfile)
    resolved: list[str] = field(default_factory=list)  # apps resolved anew (not from the lock)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Job:
    name: str
    app: App
    source: Source
    request: Request
    pin: Pin | None  # from the lock; None: resolve


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _drift_line(name: str, request: Request, locked: Pin | None) -> str:
    fix = f"run `sbkube-ci prepare --update {app_of(name)}` and commit sbkube.lock"
    if locked is None:
        return f"apps.{name}: not in sbkube.lock (--frozen); {fix}"
    asked = f"{request.source} {request.constraint!r}"
    pinned = f"{locked.source} {locked.constraint!r}"
    return f"apps.{name}: sbkube.yaml asks for {asked} but sbkube.lock pins {pinned}; {fix}"


def _plan(
    ctx: SourceContext,
    names: Iterable[str],
    sources: dict[str, Source],
    result: PrepareResult,
    *,
    lock: Lockfile,
    update: Collection[str] | bool,
    frozen: bool,
) -> list[_Job]:
    """One job per app; lock drift and config-level problems become errors."""
    jobs: list[_Job] = []
    config = ctx.project.config
    for name in names:
        app = config.source_app(name)
        kind = source_kind(app, config.settings)
        if kind is None:
            continue
        try:
            request = sources[kind].request(name, app, ctx)
        except SbkubeError as exc:
            result.errors[name] = str(exc)
            continue
        locked = lock.get(name)
        updating = update is True or (
            not isinstance(update, bool) and (name in update or app_of(name) in update)
        )
        reuse = locked if locked is not None and locked.answers(request) else None
        if kind not in UNLOCKED_KINDS and reuse is None and frozen and not updating:
            result.errors[name] = _drift_line(name, request, locked)
            continue
        jobs.append(_Job(name, app, sources[kind], request, None if updating else reuse))
    return jobs


def _run(job: _Job, ctx: SourceContext) -> PreparedSource:
    ctx.progress.started(job.name)
    try:
        pin = job.pin
        if pin is None:
            pin = replace(job.source.resolve(job.name, job.app, ctx), resolved_at=_now())
        prepared = PreparedSource(job.name, pin, job.source.fetch(job.name, job.app, pin, ctx))
    except SbkubeError as exc:
        ctx.progress.finished(job.name, "failed", first_line(str(exc)))
        raise
    ctx.progress.finished(job.name)
    return prepared


def _execute(
    jobs: list[_Job], ctx: SourceContext, workers: int, keep_going: bool, result: PrepareResult
) -> None:
    ctx.progress.stage("prepare", len(jobs))
    try:
        _submit(jobs, ctx, workers, keep_going, result)
    finally:
        ctx.progress.end_stage()


def _submit(
    jobs: list[_Job], ctx: SourceContext, workers: int, keep_going: bool, result: PrepareResult
) -> None:
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prepare") as pool:
        futures: dict[Future[PreparedSource], _Job] = {pool.submit(_run, j, ctx): j for j in jobs}
        # as_completed waits on every future once; calling wait() per completion re-registers
        # a waiter on all pending futures each time, quadratic for a thousand apps.
        for future in as_completed(futures):
            if future.cancelled():  # stopped after another app failed
                continue
            job = futures[future]
            try:
                result.prepared[job.name] = future.result()
            except SbkubeError as exc:
                result.errors[job.name] = str(exc)
                if not keep_going:
                    for other in futures:
                        other.cancel()


def _merge_lock(lock: Lockfile, result: PrepareResult, known: Collection[str]) -> Lockfile:
    pins = {name: pin for name, pin in lock.pins.items() if name in known}
    for name, prepared in result.prepared.items():
        pin = prepared.pin
        if pin.kind in UNLOCKED_KINDS:
            continue
        old = pins.get(name)
        pins[name] = old if old is not None and old.same_resolution(pin) else pin
    return Lockfile(pins)


def _check_names(apps: Collection[str], names: Iterable[str]) -> None:
    for name in names:
        if name not in apps:
            raise SourceError(f"apps.{name}: no such app; known: {', '.join(sorted(apps))}")


def prepare_apps(
    ctx: SourceContext,
    names: Iterable[str] | None = None,
    *,
    clusters: Iterable[str] | None = None,
    lock: Lockfile | None = None,
    frozen: bool = False,
    update: Collection[str] | bool = (),
    keep_going: bool = False,
    max_workers: int | None = None,
) -> PrepareResult:
    """Resolve and fetch the sources of ``names`` (default: every enabled app) in parallel.

    Each app's source on each of ``clusters`` (default: all) where it is enabled: the results
    are keyed by source key (``Config.source_key``), one per app unless a cluster changes it.

    ``update``: True or app names to re-resolve even when locked. ``frozen``: refuse any
    change to the lock (raises ``LockDrift`` unless ``keep_going``). Without ``keep_going`` the
    first failure stops the run and is raised; with it, ``result.errors`` lists every failure.
    The new lock is ``result.lock``; writing it is the caller's choice (``lockfile.write_lock``).
    """
    config = ctx.project.config
    lock = lock or Lockfile()
    apps = sorted(config.enabled_apps() if names is None else names)
    _check_names(config.apps, [*apps, *map(app_of, [] if isinstance(update, bool) else update)])
    selected = sorted(config.sources_of(apps, clusters))
    known = set(config.apps) | config.sources_of(config.apps)
    result = PrepareResult()
    if frozen and names is None:
        for stale in sorted(set(lock.pins) - known):
            result.errors[stale] = (
                f"apps.{stale}: in sbkube.lock but not in sbkube.yaml (--frozen); run "
                "`sbkube-ci prepare` and commit sbkube.lock"
            )
    jobs = _plan(ctx, selected, SOURCES, result, lock=lock, update=update, frozen=frozen)
    if result.errors and not keep_going:
        drift = [result.errors[n] for n in sorted(result.errors)]
        raise LockDrift(drift) if frozen else SourceError(drift[0])
    workers = max_workers or config.settings.max_workers or os.cpu_count() or 1
    if not config.settings.parallel:
        workers = 1
    _execute(jobs, ctx, max(1, min(workers, len(jobs) or 1)), keep_going, result)
    if result.errors and not keep_going:
        first = sorted(result.errors)[0]
        raise SourceError(result.errors[first])
    result.lock = _merge_lock(lock, result, known)
    result.resolved = sorted(j.name for j in jobs if j.pin is None and j.name in result.prepared)
    return result
