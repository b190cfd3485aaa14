"""``sbkube-ci rollback APP``: return an app to an earlier revision, and record it.

The revisions available come from history: each deploy or rollback record names, per app,
the revision it wrote and its snapshot (and helm release revision in helm mode). Apply mode
re-applies the snapshot and prunes what it does not contain; helm mode runs ``helm rollback``.
The rollback is a new revision (r5 back to r3's content is r6), recorded as kind rollback.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from sbkube_ci._retry import print_retry
from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.commands._common import open_state, pick_cluster
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.run.restore import RestorePoint, roll_back_app
from sbkube_ci.diff.credentials import build_masker, masked_values
from sbkube_ci.errors import CIError, StateError
from sbkube_ci.notify import AppChange, Dispatcher, notification_from_ci_env
from sbkube_ci.state import AppState, StateBackend
from sbkube_ci.terminal import table


@dataclass(frozen=True)
class Target:
    """Where to go: a revision, the revision a deployment wrote, or (neither) the previous one."""

    revision: int | None = None
    deployment: str | None = None


def revisions(backend: StateBackend, cluster: str, app: str) -> list[RestorePoint]:
    """The app's revisions on the cluster, newest first."""
    found = []
    for record in backend.list_history(cluster=cluster, app=app):
        for change in record.apps:
            if change.app == app and change.new_revision is not None:
                found.append(
                    RestorePoint(
                        change.new_revision,
                        record.kind,
                        record.time,
                        record.actor,
                        record.commit,
                        record.id,
                        change.snapshot,
                        change.helm_revision,
                    )
                )
    return sorted(found, key=lambda r: r.revision, reverse=True)


def choose(found: list[RestorePoint], current: AppState, target: Target, app: str) -> RestorePoint:
    """The revision ``target`` names; a one-line error listing what exists otherwise."""
    known = ", ".join(f"r{r.revision}" for r in found) or "none"
    if target.deployment is not None:
        match = [r for r in found if r.deployment == target.deployment]
        what = f"deployment {target.deployment}"
    elif target.revision is not None:
        match = [r for r in found if r.revision == target.revision]
        what = f"r{target.revision}"
    else:
        match = [r for r in found if r.revision < current.revision]
        what = f"a revision before r{current.revision}"
    if not match:
        raise StateError(
            f"app {app}: history has no {what} to roll back to; available: {known} "
            f"(see sbkube-ci rollback {app} --list)"
        )
    chosen = match[0]
    if chosen.revision == current.revision:
        raise StateError(f"app {app}: r{chosen.revision} is the current revision already")
    return chosen


def rollback(
    chdir: Path,
    file: Path | None,
    app: str,
    cluster: str | None,
    target: Target,
    *,
    list_only: bool = False,
    output_format: str = "text",
) -> int:
    """List the revisions, or roll ``app`` back under the cluster lock."""
    project, backend = open_state(chdir, file)
    name = pick_cluster(project, cluster)
    current = backend.read_state(name).apps.get(app)
    if current is None:
        raise StateError(f"app {app}: nothing deployed on cluster {name}; nothing to roll back")
    found = revisions(backend, name, app)
    if list_only:
        click.echo(_listing(found, current, output_format))
        return 0
    click.echo(
        roll_back_and_notify(project, backend, name, app, choose(found, current, target, app))
    )
    return 0


def roll_back_and_notify(
    project: Project, backend: StateBackend, cluster: str, app: str, chosen: RestorePoint
) -> str:
    """Roll back to ``chosen``, notify, and return the (masked) line saying so."""
    masker = build_masker(project)
    current = backend.read_state(cluster).apps.get(app)
    state = roll_back_app(project, backend, cluster, app, chosen, on_retry=print_retry)
    line = f"{cluster}/{app}: rolled back to r{chosen.revision}'s content as r{state.revision}"
    old = f"r{current.revision}" if current is not None else ""
    event = notification_from_ci_env(
        "rollback",
        clusters=[cluster],
        apps=[AppChange(app, cluster, old, f"r{state.revision}")],
        project=project.config.metadata.name or "",
        detail=f"back to r{chosen.revision}",
    )
    Dispatcher.from_config(project.config, mask=masker.mask).send(event)
    return masker.mask(line)


def rollback_for_ci(invocation: Invocation) -> CommandResult:
    """``rollback`` as the ci entrypoint runs it: input ``app`` on the one cluster, to input
    ``to`` (r3 or 3) or the revision before the current one."""
    if not invocation.app:
        raise CIError("input app: rollback needs the app to roll back; set the app input")
    if len(invocation.clusters) > 1:
        raise CIError("input cluster: rollback works on one cluster; name only one")
    project, backend = open_state(invocation.chdir, invocation.config)
    name = pick_cluster(project, invocation.clusters[0] if invocation.clusters else None)
    app = invocation.app
    current = backend.read_state(name).apps.get(app)
    if current is None:
        raise StateError(f"app {app}: nothing deployed on cluster {name}; nothing to roll back")
    target = Target(revision=_revision(invocation.to)) if invocation.to else Target()
    chosen = choose(revisions(backend, name, app), current, target, app)
    line = roll_back_and_notify(project, backend, name, app, chosen)
    click.echo(line)
    return CommandResult(
        exit_code=0,
        summary=line,
        markdown=f"**sbkube-ci rollback**: {line}",
        apps=[AppOutcome(name, app)],
        secrets=masked_values(project),
    )


def _revision(text: str) -> int:
    digits = text.removeprefix("r")
    if not digits.isdigit():
        raise CIError(f"input to: {text!r} is not a revision; use a number such as 3 or r3")
    return int(digits)


def _listing(found: list[RestorePoint], current: AppState, output_format: str) -> str:
    if output_format == "json":
        return json.dumps([asdict(r) for r in found], indent=2)
    if not found:
        return "no revisions recorded in history"
    rows = [["REVISION", "KIND", "TIME", "ACTOR", "COMMIT", "DEPLOYMENT", "ROLLBACK"]]
    for r in found:
        mark = " (current)" if r.revision == current.revision else ""
        how = f"helm r{r.helm_revision}" if r.helm_revision else ("snapshot" if r.snapshot else "-")
        rows.append(
            [
                f"r{r.revision}{mark}",
                r.kind,
                r.time[:19],
                r.actor,
                r.commit[:7] or "-",
                r.deployment,
                how,
            ]
        )
    return "\n".join(table(rows))
