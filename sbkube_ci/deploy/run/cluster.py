"""One cluster's deploy run: lock, connect, apps in ``depends_on`` order, record, release.

The lock is released on every path (errors, SIGTERM: the scheduler's cancel event stops new
apps while running ones finish and record their state). An app that did not finish gets
no state; ``on_failure: rollback`` re-applies the previous snapshot of the app that failed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.apply.applier import ApplyError
from sbkube_ci.deploy.kube.connection import connect
from sbkube_ci.deploy.run import schedule as dag
from sbkube_ci.deploy.run.app import run_task
from sbkube_ci.deploy.run.jobs import AppTask
from sbkube_ci.deploy.run.record import Recorder
from sbkube_ci.deploy.run.report import AppResult, AppStatus
from sbkube_ci.deploy.run.restore import roll_back_failed
from sbkube_ci.deploy.run.session import Session, open_session
from sbkube_ci.errors import DeployError, LockError, SbkubeError
from sbkube_ci.k8s import ObjectRef
from sbkube_ci.notify.events import format_duration
from sbkube_ci.progress import Progress, first_line
from sbkube_ci.state import AppState, HeldLock, LockHandle, StateBackend, StateDocument

OnFailure = Literal["stop", "continue", "rollback"]
_LOCK_POLL = 2.0  # seconds between checks for a stop request while waiting for a lock


@dataclass(frozen=True)
class RunOptions:
    """What every cluster run of one ``deploy`` shares."""

    dry_run: bool = False
    on_failure: OnFailure = "stop"
    max_workers: int = 4
    cancel: threading.Event = field(default_factory=threading.Event)
    mask: Callable[[str], str] = lambda text: text
    learn_secrets: Callable[[list[dict[str, Any]]], None] = lambda _objects: None
    echo: Callable[[str], None] = print
    commit: str = ""
    connect_timeout: float = 10.0
    # cluster, previous owner: called after this run took over a lock whose lease had expired
    on_takeover: Callable[[str, str], object] = lambda cluster, owner: None
    progress: Progress = field(default_factory=Progress)
    # deploy --lock-held: work under a lock an earlier step of this job took (lock acquire)
    lock_held: bool = False
    held_tokens: Mapping[str, str] = field(default_factory=dict)  # cluster → acquisition


@dataclass(frozen=True)
class ClusterJob:
    """The apps to deploy on one cluster; ``expected_revision`` is the plan's state revision."""

    name: str
    tasks: dict[str, AppTask]
    expected_revision: int | None = None


@dataclass
class _Progress:
    """What the cluster run knows so far; filled by the app workers."""

    job: ClusterJob
    results: dict[str, AppResult] = field(default_factory=dict)
    partial: dict[str, list[ObjectRef]] = field(default_factory=dict)

    def failed_rest(self, line: str) -> list[AppResult]:
        """Every app without a result failed with ``line``; if none is left, the run did."""
        missing = [(n, t) for n, t in sorted(self.job.tasks.items()) if n not in self.results]
        for name, task in missing:
            self.results[name] = AppResult(self.job.name, name, task.action, "failed", 0, line)
        if not missing:  # e.g. the history record could not be written after every app
            self.results["-"] = AppResult(self.job.name, "-", "record", "failed", 0, line)
        return self.ordered()

    def ordered(self) -> list[AppResult]:
        return [self.results[n] for n in sorted(self.results)]


def deploy_cluster(
    project: Project, backend: StateBackend, job: ClusterJob, options: RunOptions
) -> list[AppResult]:
    """Deploy ``job`` under the cluster's lock; every app gets one result row."""
    progress = _Progress(job)
    if not job.tasks:
        return []
    reason = "deploy " + ", ".join(sorted(job.tasks))
    try:
        with cluster_lock(backend, job.name, reason[:200], options) as held:
            _locked_run(project, backend, options=options, held=held, progress=progress)
    except SbkubeError as exc:
        return progress.failed_rest(options.mask(str(exc)))
    return progress.ordered()


@contextlib.contextmanager
def cluster_lock(
    backend: StateBackend, cluster: str, reason: str, options: RunOptions
) -> Iterator[HeldLock]:
    """``backend.locked``, but a stop request (SIGTERM) ends the wait for a held lock.

    A lock this job already holds (same run identity, or this actor with ``--lock-held``) is
    used as it is and left held: lock acquire → work → deploy → lock release pipelines.
    """
    token = options.held_tokens.get(cluster, "") if options.lock_held else ""
    own = backend.locks.held_by(cluster, token=token)
    if own is not None:
        options.echo(f"{cluster}: using the lock this job holds ({own.info.owner})")
        kept = HeldLock(backend.locks, own)
        try:
            yield kept
        finally:
            kept.keep()
        return
    if options.lock_held:
        raise LockError(
            f"cluster {cluster}: --lock-held, but this job holds no lock on it (none taken by "
            f"lock acquire here, or its lease ended); take it: sbkube-ci lock acquire "
            f"--cluster {cluster}"
        )
    holder = backend.lock_status(cluster)
    stale = holder is not None and holder.expired(backend.clock())
    if holder is not None and not stale:
        wait = format_duration(backend.locks.wait)
        options.echo(f"{cluster}: waiting up to {wait} for the lock held by {holder.owner}")
    waiting = f"{cluster}: lock held by {holder.owner}" if holder is not None else ""
    held = HeldLock(backend.locks, _acquire(backend, cluster, reason, options, waiting))
    if holder is not None and stale:
        options.echo(f"{cluster}: took over the lock of {holder.owner}: its lease had expired")
        options.on_takeover(cluster, holder.owner)
    try:
        yield held
    finally:
        held.release()


def _acquire(
    backend: StateBackend, cluster: str, reason: str, options: RunOptions, waiting: str
) -> LockHandle:
    deadline = time.monotonic() + backend.locks.wait
    while True:
        # Short waits in a loop: the store is polled as before, the stop request in between.
        slice_ = max(0.0, min(deadline - time.monotonic(), _LOCK_POLL))
        try:
            return backend.acquire_lock(cluster, reason=reason, wait=slice_)
        except LockError:
            if options.cancel.is_set() or time.monotonic() >= deadline:
                raise
            if waiting:  # the countdown: how long until this run gives up
                options.progress.waiting(waiting, deadline - time.monotonic())


def _locked_run(
    project: Project,
    backend: StateBackend,
    *,
    options: RunOptions,
    held: HeldLock,
    progress: _Progress,
) -> None:
    job = progress.job
    started = time.monotonic()
    state = backend.read_state(job.name)
    check_revision(job, state)
    cluster = project.config.effective_clusters()[job.name]
    with connect(
        job.name,
        cluster,
        project.config.settings,
        base_dir=project.base_dir,
        connect_timeout=options.connect_timeout,
        on_retry=options.progress.retrying,
    ) as connection:
        session = open_session(
            project,
            connection,
            backend,
            dry_run=options.dry_run,
            mask=options.mask,
            echo=options.echo,
            learn_secrets=options.learn_secrets,
        )
        session.state = state
        record = backend.new_record("deploy", job.name, commit=options.commit)
        recorder = Recorder(backend, job.name, record, state.revision, held)
        _run_apps(session, state, recorder, options, progress)
        if options.on_failure == "rollback" and not options.dry_run:
            roll_back_failed(session, state, progress.results, progress.partial)
    if not options.dry_run:
        results = progress.ordered()
        failed = [r for r in results if not r.ok]
        # history shows this line: name the app, the error alone does not always say which
        detail = f"{failed[0].app}: {failed[0].detail}" if failed else ""
        outcome = "failed" if failed else "succeeded"
        recorder.finish(outcome, time.monotonic() - started, detail)


def check_revision(job: ClusterJob, state: StateDocument) -> None:
    """Refuse a plan made against another state revision than the current one."""
    if job.expected_revision is not None and state.revision != job.expected_revision:
        raise DeployError(
            f"cluster {job.name}: the plan was made against state r{job.expected_revision} "
            f"but the state is now r{state.revision} (deployed since); plan again and review"
        )


def _run_apps(
    session: Session,
    state: StateDocument,
    recorder: Recorder,
    options: RunOptions,
    progress: _Progress,
) -> None:
    job = progress.job

    def work(name: str) -> None:
        item = f"{job.name}/{name}"
        options.progress.started(item)
        try:
            _deploy_one(session, job.tasks[name], state.apps.get(name), recorder, progress)
        except SbkubeError as exc:
            options.progress.finished(item, "failed", first_line(options.mask(str(exc))))
            raise
        options.progress.finished(item)

    graph = {name: list(task.depends_on) for name, task in job.tasks.items()}
    outcomes = dag.run(
        graph,
        work,
        max_workers=options.max_workers,
        on_failure="continue" if options.on_failure == "continue" else "stop",
        cancel=options.cancel,
    )
    for name, outcome in outcomes.items():
        if name in progress.results:
            continue
        task = job.tasks[name]
        status: AppStatus = "failed" if outcome.status == "failed" else "skipped"
        line = options.mask((outcome.error or "").splitlines()[0] if outcome.error else "")
        progress.results[name] = AppResult(job.name, name, task.action, status, 0.0, line)


def _deploy_one(
    session: Session,
    task: AppTask,
    old: AppState | None,
    recorder: Recorder,
    progress: _Progress,
) -> None:
    started = time.monotonic()
    where = f"{session.cluster_name}/{task.name}"
    session.echo(session.mask(f"{where}: {task.action} ({task.mode}) ..."))
    try:
        deployed = run_task(session, task, old)
    except ApplyError as exc:
        progress.partial[task.name] = exc.result.inventory
        session.echo(session.mask(f"{where}: failed: {exc}"))
        raise
    except SbkubeError as exc:
        session.echo(session.mask(f"{where}: failed: {exc}"))
        raise
    new_revision = None
    if not session.dry_run:
        if deployed is None:
            if old is not None:
                recorder.remove(task.name, old)
        else:
            new_revision = recorder.save(deployed).revision
    elapsed = time.monotonic() - started
    result: AppStatus = "dry run" if session.dry_run else "succeeded"
    old_revision = old.revision if old else None
    progress.results[task.name] = AppResult(
        session.cluster_name,
        task.name,
        task.action,
        result,
        elapsed,
        "",
        old_revision,
        new_revision,
    )
    session.echo(session.mask(f"{where}: {result} in {elapsed:.1f}s"))
