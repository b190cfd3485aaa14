"""``sbkube-ci state show|seal|migrate``: read, seal or move what the state backend records.

``state migrate --to <backend>`` copies to a target configured in the same ``state:`` section
(``state.s3``, ``state.git``, ``state.local``); only ``state.backend`` says which one is in use.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from sbkube_ci.commands._common import open_state, pick_cluster
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.errors import ConfigError
from sbkube_ci.state import BACKENDS, StateDocument
from sbkube_ci.state.transfer import copy_state
from sbkube_ci.terminal import table


def show(chdir: Path, file: Path | None, cluster: str | None, output_format: str) -> int:
    """Print the state document of one cluster, or of every configured cluster."""
    project, backend = open_state(chdir, file)
    names = (
        [pick_cluster(project, cluster)]
        if cluster
        else sorted(set(project.config.effective_clusters()) | set(backend.clusters()))
    )
    documents = [backend.read_state(name) for name in names]
    if output_format == "json":
        click.echo(json.dumps([d.model_dump(by_alias=True) for d in documents], indent=2))
        return 0
    for document in documents:
        click.echo(describe(document))
    return 0


def seal(chdir: Path, file: Path | None, cluster: str | None, output_format: str) -> int:
    """Seal every stored snapshot (migration, key rotation); prints what was rewritten."""
    project, backend = open_state(chdir, file)
    known = set(project.config.effective_clusters()) | set(backend.clusters())
    names = [pick_cluster(project, cluster)] if cluster else sorted(known)
    rewritten = {name: backend.seal_snapshots(name) for name in names}
    if output_format == "json":
        click.echo(json.dumps(rewritten, indent=2))
        return 0
    for name, keys in rewritten.items():
        click.echo(f"{name}: {len(keys)} snapshot(s) sealed")
    if backend.keyring() is None:
        click.echo(
            "note: SBKUBE_STATE_KEY is not set: Secret values are kept as digests only and "
            "rollback cannot restore them (docs/security.md)",
            err=True,
        )
    return 0


def migrate(chdir: Path, file: Path | None, target: str) -> int:
    """The CLI verb: copy everything, then say which line of sbkube.yaml to change."""
    project = load_project(chdir, file)
    source_name = project.config.state.backend
    if target == source_name:
        raise ConfigError(f"--to {target}: the state is already there (state.backend: {target})")
    if target == "s3" and project.config.state.s3 is None:
        raise ConfigError("--to s3: add state.s3 (at least a bucket) to sbkube.yaml first")
    source = BACKENDS[source_name].from_project(project)
    destination = BACKENDS[target].from_project(_with_backend(project, target))
    copied = copy_state(source, destination)
    click.echo(f"copied {copied.text()} from {source.description} to {destination.description}")
    click.echo(f"now set state.backend: {target} in sbkube.yaml")
    return 0


def _with_backend(project: Project, backend: str) -> Project:
    state = project.config.state.model_copy(update={"backend": backend})
    config = project.config.model_copy(update={"state": state})
    return replace(project, config=config)


def describe(document: StateDocument) -> str:
    """A state document for humans: a header line and one row per app."""
    if document.revision == 0:
        return f"{document.cluster}: nothing deployed yet\n"
    lines = [
        f"{document.cluster}: state r{document.revision}, "
        f"updated {document.updated_at} by {document.updated_by}",
    ]
    rows = [["APP", "REVISION", "RENDER", "COMMIT", "ACTOR", "DEPLOYED", "OBJECTS"]]
    for name, app in sorted(document.apps.items()):
        rows.append(
            [
                name,
                f"r{app.revision}",
                app.render_digest.removeprefix("sha256:")[:12] or "-",
                app.commit[:7] or "-",
                app.actor or "-",
                app.deployed_at or "-",
                str(len(app.inventory)),
            ]
        )
    return "\n".join([*lines, *table(rows)]) + "\n"
