"""``sbkube-ci rollback APP``: return an app to an earlier revision, and record it.

The revisions available come from history: each deploy or rollback record names, per app,
the revision it wrote and its snapshot (and helm release revision in helm mode). Apply mode
re-applies the snapshot and prunes what it does not contain; helm mode runs ``helm rollback``.
The rollback is a new revision (r5 back to r3's content is r6), recorded as kind rollback.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.commands._common import open_state, pick_cluster
from sbkube_ci.config.loader import Project
from sbkube_ci.deploy.apply.applier import Applier
from sbkube_ci.deploy.helm_release import HelmReleases
from sbkube_ci.deploy.kube.connection import ClusterConnection, connect
from sbkube_ci.deploy.run.record import Deployed, Recorder, from_state_refs
from sbkube_ci.diff.credentials import build_masker, masked_values
from sbkube_ci.errors import CIError, DeployError, StateError
from sbkube_ci.notify import AppChange, Notifications, event_from_ci_env
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.state import AppState, HelmReleaseRef, StateBackend
from sbkube_ci.terminal import table
from sbkube_ci.workdir import WorkDir


@dataclass(frozen=True)
class Target:
    """Where to go: a revision, the revision a deployment wrote, or (neither) the previous one."""

    revision: int | None = None
    deployment: str | None = None


@dataclass(frozen=True)
class Revision:
    """One revision of an app that history can return to."""

    revision: int
    kind: str
    time: str
    actor: str
    commit: str
    deployment: str
    snapshot: str
    helm_revision: int | None


def revisions(backend: StateBackend, cluster: str, app: str) -> list[Revision]:
    """The app's revisions on the cluster, newest first."""
    found = []
    for record in backend.list_history(cluster=cluster, app=app):
        for change in record.apps:
            if change.app == app and change.new_revision is not None:
                found.append(
                    Revision(
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


def choose(found: list[Revision], current: AppState, target: Target, app: str) -> Revision:
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
    project: Project, backend: StateBackend, cluster: str, app: str, chosen: Revision
) -> str:
    """Roll back to ``chosen``, notify, and return the (masked) line saying so."""
    masker = build_masker(project)
    current = backend.read_state(cluster).apps.get(app)
    state = roll_back(project, backend, cluster, app, chosen)
    line = f"{cluster}/{app}: rolled back to r{chosen.revision}'s content as r{state.revision}"
    old = f"r{current.revision}" if current is not None else ""
    event = event_from_ci_env(
        "rollback",
        clusters=[cluster],
        apps=[AppChange(app, cluster, old, f"r{state.revision}")],
        project=project.config.metadata.name or "",
        detail=f"back to r{chosen.revision}",
    )
    Notifications.from_config(project.config, mask=masker.mask).send(event)
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


def roll_back(
    project: Project, backend: StateBackend, cluster: str, app: str, chosen: Revision
) -> AppState:
    """Re-apply (or helm rollback) ``chosen`` and record a new revision; lock held throughout."""
    started = time.monotonic()
    clusters = project.config.effective_clusters()
    with backend.locked(cluster, reason=f"rollback {app} to r{chosen.revision}") as held:
        state = backend.read_state(cluster)
        current = state.apps.get(app)
        if current is None:
            raise StateError(f"app {app}: removed from cluster {cluster} meanwhile")
        with connect(
            cluster, clusters.get(cluster), project.config.settings, base_dir=project.base_dir
        ) as connection:
            deployed = _restore(
                project,
                backend=backend,
                connection=connection,
                app=app,
                current=current,
                chosen=chosen,
            )
        record = backend.new_record(
            "rollback", cluster, commit=chosen.commit, detail=f"{app} back to r{chosen.revision}"
        )
        recorder = Recorder(backend, cluster, record, state.revision, held)
        new = recorder.save(deployed)
        recorder.finish("succeeded", time.monotonic() - started, record.detail)
        return new


def _restore(
    project: Project,
    *,
    backend: StateBackend,
    connection: ClusterConnection,
    app: str,
    current: AppState,
    chosen: Revision,
) -> Deployed:
    if current.helm is not None:
        # helm keeps its own release history: the snapshot is only recorded, sealed as stored
        manifests = (
            backend.load_snapshot(connection.name, chosen.snapshot, reveal=False)
            if chosen.snapshot
            else ""
        )
        return _helm_restore(
            project,
            connection=connection,
            app=app,
            current=current,
            chosen=chosen,
            manifests=manifests,
        )
    if not chosen.snapshot:
        raise StateError(f"app {app}: r{chosen.revision} has no snapshot recorded")
    manifests = backend.load_snapshot(connection.name, chosen.snapshot)
    config = project.config
    cluster = config.effective_clusters().get(connection.name)
    if app in config.apps:
        namespace = config.namespace_of(app, cluster)
    else:
        namespace = (cluster.namespace if cluster else None) or config.settings.namespace
    result = Applier(connection.client, cluster=connection.name).apply_app(
        app,
        load_objects(manifests),
        from_state_refs(current.inventory),
        namespace=namespace,
        timeout=float(project.config.settings.timeout),
        event="rollback",
    )
    # The render digest of a snapshot is the digest of its text: both hash the same bytes.
    return Deployed(app, chosen.snapshot, "", None, result.inventory, manifests)


def _helm_restore(
    project: Project,
    *,
    connection: ClusterConnection,
    app: str,
    current: AppState,
    chosen: Revision,
    manifests: str,
) -> Deployed:
    release = current.helm
    if release is None or chosen.helm_revision is None:
        raise DeployError(f"app {app}: r{chosen.revision} recorded no helm release revision")
    helm = HelmReleases(
        WorkDir(project.base_dir).helm,
        kubeconfig=connection.kubeconfig,
        kube_context=connection.context,
        helm_version=project.config.settings.helm_version,
    )
    helm.rollback(app, release.name, release.namespace, chosen.helm_revision)
    history = helm.history(app, release.name, release.namespace)
    now = history[-1].revision if history else None
    ref = HelmReleaseRef(name=release.name, namespace=release.namespace, revision=now)
    return Deployed(
        app, chosen.snapshot, "", None, from_state_refs(current.inventory), manifests, ref
    )


def _listing(found: list[Revision], current: AppState, output_format: str) -> str:
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
