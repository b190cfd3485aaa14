"""``sbkube-ci deploy``: apply what changed (or exactly what a plan says) to each cluster.

Clusters run concurrently (``--max-clusters``), each under its own lock and state; apps in
``depends_on`` order within a cluster. Exit codes: 0 every app deployed, 1 any failed or the
plan was refused, 130 stopped by a signal.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import click

from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.deploy.run import report as summary
from sbkube_ci.deploy.run.cluster import ClusterJob, RunOptions, deploy_cluster
from sbkube_ci.deploy.run.plans import FreshPlan, Selection, deploy_jobs
from sbkube_ci.deploy.run.report import AppResult
from sbkube_ci.deploy.run.shell import ShellRunner
from sbkube_ci.deploy.run.signals import run_in_worker, stop_on_signals
from sbkube_ci.diff.credentials import build_masker, masked_values
from sbkube_ci.diff.mask import Masker
from sbkube_ci.errors import DeployError
from sbkube_ci.notify import AppChange, Dispatcher, Failure, Notification, notification_from_ci_env
from sbkube_ci.notify.ci_env import ci_context
from sbkube_ci.notify.events import EventName
from sbkube_ci.planning.engine import current_commit, make_plan
from sbkube_ci.progress import MaskedProgress, Progress
from sbkube_ci.state import StateBackend, held_locks, open_backend

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class DeployRequest:
    """The options of one ``deploy`` run."""

    clusters: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    plan_path: Path | None = None
    dry_run: bool = False
    max_clusters: int = 2
    force: bool = False  # re-apply unchanged apps whose live objects drifted
    lock_held: bool = False


@dataclass
class DeployReport:
    """The outcome: one row per (cluster, app), and whether a signal stopped the run."""

    clusters: list[str]
    results: list[AppResult] = field(default_factory=list)
    interrupted: bool = False
    mask: Callable[[str], str] = lambda text: text
    hook_error: str = ""  # a failed hooks.deploy.post / on_failure command

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.hook_error

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK if self.ok else EXIT_FAILED

    def text(self) -> str:
        lines = [summary.text(self.results, self.mask), ""]
        lines += summary.cluster_lines(self.results, self.clusters)
        return "\n".join(lines + ([f"error: {self.hook_error}"] if self.hook_error else []))

    def to_json(self) -> str:
        data = {
            "exit_code": self.exit_code,
            "clusters": summary.cluster_lines(self.results, self.clusters),
            "apps": summary.as_json(self.results, self.mask),
        }
        return json.dumps(data, indent=2)


def run_deploy(
    project: Project,
    request: DeployRequest,
    *,
    echo: Callable[[str], None] | None = None,
    backend: StateBackend | None = None,
    progress: Progress | None = None,
) -> DeployReport:
    """Plan (or read the plan), then deploy every selected cluster; never raises for app errors.

    A refused plan (state moved, render differs) raises ``DeployError`` before anything runs.
    """
    masker = build_masker(project)
    say = echo or (lambda line: click.echo(line, err=True))
    backend = backend or open_backend(project)
    selection = Selection(request.clusters, request.apps, request.plan_path, request.force)
    shown = MaskedProgress(progress or Progress(), masker.mask)
    fresh = _fresh_plan(project, selection, masker)
    jobs = deploy_jobs(project, backend, selection, masker, fresh, on_retry=shown.retrying)
    report = DeployReport([job.name for job in jobs], mask=masker.mask)
    if not any(job.tasks for job in jobs):
        return report
    notifications = Dispatcher.from_config(project.config, mask=masker.mask)
    started = _event(project, jobs, "deploy_started", [])
    handle = None if request.dry_run else notifications.send(started)
    cancel = threading.Event()
    options = _options(project, request, notifications, cancel, lambda line: say(masker.mask(line)))
    options = replace(
        options,
        progress=shown,
        learn_secrets=masker.learn_secrets,
        lock_held=request.lock_held,
        held_tokens=_held_tokens(project, jobs) if request.lock_held else {},
    )
    if not request.dry_run:
        _command_hooks(project, "pre", options)
    shown.stage("deploy", sum(len(job.tasks) for job in jobs))
    with stop_on_signals(cancel, notify=say):
        report.results = run_in_worker(
            lambda: _run_clusters(project, backend, jobs, options, request.max_clusters)
        )
    shown.end_stage()
    report.interrupted = cancel.is_set()
    if not request.dry_run:
        try:
            _command_hooks(project, "post" if report.ok else "on_failure", options)
        except DeployError as exc:
            report.hook_error = masker.mask(str(exc))
            say(f"error: {report.hook_error}")
    if handle is not None:
        ok = report.exit_code == EXIT_OK
        final = _event(project, jobs, "deploy_succeeded" if ok else "deploy_failed", report.results)
        notifications.update(handle, final)
    return report


def _fresh_plan(project: Project, selection: Selection, masker: Masker) -> FreshPlan | None:
    """Plan now, unless a reviewed plan is given: the one place deploy plans itself."""
    if selection.plan_path is not None:
        return None
    outcome = make_plan(
        project,
        clusters=list(selection.clusters) or None,
        apps=list(selection.apps) or None,
        masker=masker,
    )
    return FreshPlan(outcome.plan, outcome.render, outcome.states)


def _held_tokens(project: Project, jobs: Sequence[ClusterJob]) -> dict[str, str]:
    """The acquisitions ``lock acquire`` remembered in this project, per cluster."""
    held = {job.name: held_locks.remembered(project.base_dir, job.name) for job in jobs}
    return {name: handle.info.token for name, handle in held.items() if handle is not None}


def _command_hooks(
    project: Project, which: Literal["pre", "post", "on_failure"], options: RunOptions
) -> None:
    """``hooks.deploy.pre/post/on_failure``: once per deploy run, in the project directory."""
    hooks = project.config.hooks.deploy if project.config.hooks else None
    commands = getattr(hooks, which) if hooks is not None else []
    runner = ShellRunner(
        cwd=str(project.base_dir), env=dict(os.environ), mask=options.mask, echo=options.echo
    )
    runner.run_all(f"hooks.deploy.{which}", commands)


def _options(
    project: Project,
    request: DeployRequest,
    notifications: Dispatcher,
    cancel: threading.Event,
    echo: Callable[[str], None],
) -> RunOptions:
    settings = project.config.settings
    return RunOptions(
        dry_run=request.dry_run,
        on_failure=settings.on_failure,
        max_workers=(settings.max_workers or 4) if settings.parallel else 1,
        cancel=cancel,
        mask=notifications.mask,
        echo=echo,
        commit=_commit(project),
        on_takeover=lambda cluster, owner: notifications.send(
            notification_from_ci_env(
                "lock_taken_over",
                clusters=[cluster],
                project=project.config.metadata.name or "",
                detail=f"the lease of {owner} had expired",
            )
        ),
    )


def _run_clusters(
    project: Project,
    backend: StateBackend,
    jobs: Sequence[ClusterJob],
    options: RunOptions,
    max_clusters: int,
) -> list[AppResult]:
    results: list[AppResult] = []
    with ThreadPoolExecutor(max_workers=max(1, max_clusters)) as pool:
        pending: set[Future[list[AppResult]]] = {
            pool.submit(deploy_cluster, project, backend, job, options) for job in jobs
        }
        # Short waits keep the main thread free to run the SIGTERM handler.
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                results += future.result()
    order = {job.name: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: (order[r.cluster], r.app))


def _commit(project: Project) -> str:
    """The CI job's commit, else the one checked out in the project."""
    commit = ci_context().commit
    return commit.sha if commit else current_commit(project.base_dir) or ""


def _event(
    project: Project, jobs: Sequence[ClusterJob], kind: EventName, results: Sequence[AppResult]
) -> Notification:
    by_key = {(r.cluster, r.app): r for r in results}
    changes = []
    for job in jobs:
        for name, task in sorted(job.tasks.items()):
            result = by_key.get((job.name, name))
            old = result.old_revision if result else None
            new = result.new_revision if result else None
            added, changed, deleted = task.counts
            changes.append(
                AppChange(
                    name,
                    job.name,
                    f"r{old}" if old else None,
                    f"r{new}" if new else None,
                    added,
                    changed,
                    deleted,
                )
            )
    failed = next((r for r in results if not r.ok and r.result != "skipped"), None)
    failure = Failure(failed.app, failed.detail, failed.cluster) if failed else None
    return notification_from_ci_env(
        kind,
        clusters=[job.name for job in jobs],
        apps=changes,
        project=project.config.metadata.name or "",
        failure=failure,
    )


def deploy(
    chdir: Path,
    file: Path | None,
    request: DeployRequest,
    *,
    output_format: str = "text",
    progress: Progress | None = None,
) -> int:
    """The CLI command: print the summary table (or JSON) and return the exit code."""
    project = load_project(chdir, file)
    if request.plan_path is not None and not request.plan_path.is_absolute():
        request = replace(request, plan_path=chdir / request.plan_path)  # like -f: under -C
    try:
        report = run_deploy(project, request, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    click.echo(report.to_json() if output_format == "json" else report.text())
    return report.exit_code


def deploy_for_ci(invocation: Invocation) -> CommandResult:
    """``deploy`` as the ci entrypoint runs it: exactly the saved plan (``plan-path``).

    The input always names a plan (its default is ``.sbkube/plan.json``), so a missing file
    fails the job: a CI deploy never applies a fresh plan nobody reviewed.
    """
    project = load_project(invocation.chdir, invocation.config)
    request = DeployRequest(clusters=invocation.clusters, plan_path=invocation.plan_path)
    report = run_deploy(project, request, progress=invocation.progress)
    click.echo(report.text())
    failed = [r for r in report.results if not r.ok]
    line = f"{len(report.results) - len(failed)} app(s) deployed, {len(failed)} failed"
    return CommandResult(
        exit_code=report.exit_code,
        summary=line,
        markdown="**sbkube-ci deploy**: "
        + line
        + "\n\n"
        + summary.markdown(report.results, report.mask),
        apps=[
            AppOutcome(r.cluster, r.app, error="" if r.ok else r.detail or r.result)
            for r in report.results
        ],
        secrets=masked_values(project),
    )
