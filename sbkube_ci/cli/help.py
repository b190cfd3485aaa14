"""Examples at the end of every command's ``--help``, and shell completion of names.

The examples are tested: each one must parse against the command it documents.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.shell_completion import CompletionItem

from sbkube_ci.errors import SbkubeError

#: command path → (command line, what it does); 2–3 per command
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "validate": [
        ("sbkube-ci validate", "check ./sbkube.yaml"),
        ("sbkube-ci validate -C deploy/ --format json", "problems as JSON, for editors and CI"),
        ("sbkube-ci validate --online", "also reach the state store (bucket, Git remote)"),
    ],
    "schema": [
        ("sbkube-ci schema > sbkube.schema.json", "the JSON Schema, for editor completion"),
        ("sbkube-ci schema | jq '.properties | keys'", "the top-level sections"),
    ],
    "ci": [
        ("INPUT_COMMAND=plan sbkube-ci ci -C deploy/", "what the Action runs, from a shell"),
        ("INPUT_COMMAND=validate sbkube-ci ci", "annotations and JUnit for validate"),
    ],
    "notify test": [
        ("sbkube-ci notify test", "a sample (marked as a test) to every notifier"),
        ("sbkube-ci notify test --notifier slack", "just one notifier"),
    ],
    "prepare": [
        ("sbkube-ci prepare", "fetch every source, write sbkube.lock"),
        ("sbkube-ci prepare --update redis", "re-resolve one app's version"),
        ("sbkube-ci prepare --frozen", "fail if sbkube.lock would change (CI)"),
    ],
    "plan": [
        ("sbkube-ci plan", "diff every app against what is deployed; exit 2 on changes"),
        ("sbkube-ci plan --cluster prod --app web", "one app on one cluster"),
        ("sbkube-ci plan --live --format json", "diff against the cluster itself, as JSON"),
    ],
    "history": [
        ("sbkube-ci history", "the last 20 deployments, rollbacks and lock breaks"),
        ("sbkube-ci history --cluster prod --app web", "only what touched web on prod"),
        ("sbkube-ci history --format markdown --limit 5", "for a job summary"),
    ],
    "lock status": [
        ("sbkube-ci lock status --cluster prod", "who holds the lock, until when"),
        ("sbkube-ci lock status --format json", "as JSON (the only cluster)"),
    ],
    "lock acquire": [
        ("sbkube-ci lock acquire --cluster prod --reason 'db migration'", "take the lock"),
        ("sbkube-ci lock acquire --cluster prod --wait 10m --lease 30m", "wait, hold longer"),
    ],
    "lock release": [
        ("sbkube-ci lock release --cluster prod", "release what lock acquire took"),
        ("sbkube-ci lock release --cluster prod --force --reason 'job cancelled'", "break it"),
    ],
    "state show": [
        ("sbkube-ci state show", "what is deployed on every cluster"),
        ("sbkube-ci state show --cluster prod --format json", "one cluster, as JSON"),
    ],
    "state seal": [
        (
            "SBKUBE_STATE_KEY=... sbkube-ci state seal",
            "seal old snapshots; re-seal after a rotation",
        ),
        ("sbkube-ci state seal --cluster prod", "one cluster only"),
    ],
    "migrate": [
        ("sbkube-ci migrate --dry-run", "show how the config would be rewritten"),
        (
            "sbkube-ci migrate -C legacy/",
            "write legacy/sbkube.yaml from config.yaml + sources.yaml",
        ),
    ],
    "state migrate": [
        ("sbkube-ci state migrate --to s3", "copy state, history, snapshots to state.s3"),
        ("sbkube-ci state migrate --to git -C deploy/", "to the Git branch of state.git"),
    ],
    "build": [
        ("sbkube-ci build", "charts with overrides and merged values in .sbkube/build/"),
        ("sbkube-ci build --app web --cluster prod", "one app, one cluster's values"),
    ],
    "template": [
        ("sbkube-ci template", "render every app on every cluster"),
        ("sbkube-ci template --changed-since origin/main", "only what a branch changed"),
        ("sbkube-ci template --cluster prod --keep-going", "render all, report every failure"),
    ],
    "deploy": [
        ("sbkube-ci deploy --plan .sbkube/plan.json", "apply exactly the reviewed plan"),
        ("sbkube-ci deploy --cluster staging --dry-run", "server-side dry run, nothing stored"),
        ("sbkube-ci deploy --cluster prod --lock-held", "under the lock lock acquire took"),
    ],
    "rollback": [
        ("sbkube-ci rollback web --cluster prod", "back to the revision before the current one"),
        ("sbkube-ci rollback web --cluster prod --to 3", "back to revision 3"),
        ("sbkube-ci rollback web --list", "the revisions available"),
    ],
    "status": [
        ("sbkube-ci status", "drift between the clusters and the state; exit 2 on drift"),
        ("sbkube-ci status --cluster prod --format json", "one cluster, as JSON"),
    ],
    "cache prune": [
        ("sbkube-ci cache prune", "remove entries unused for 30 days"),
        ("sbkube-ci cache prune --all", "empty the cache"),
    ],
}


def add_examples(group: click.Group, prefix: str = "") -> None:
    """Set each command's epilog to its examples (``\\b`` keeps click from rewrapping them)."""
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            add_examples(command, f"{path} ")
        elif path in EXAMPLES:
            width = max(len(line) for line, _ in EXAMPLES[path]) + 2
            lines = [f"  {line.ljust(width)}{what}" for line, what in EXAMPLES[path]]
            command.epilog = "Examples:\n\n\b\n" + "\n".join(lines)


def _names(ctx: click.Context, section: str) -> list[str]:
    """Names under ``section`` of the config the command line points at ([] if unreadable)."""
    from sbkube_ci.config.loader import read_document  # only completion needs the loader

    root = ctx.find_root()
    params = {**root.params, **ctx.params}
    chdir = params.get("chdir") or Path()
    try:
        doc, _, _ = read_document(Path(chdir), params.get("file"))
    except (SbkubeError, OSError):
        return []
    names = doc.data.get(section)
    if isinstance(names, dict):
        return sorted(str(name) for name in names)
    return ["default"] if section == "clusters" else []


def complete_clusters(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Cluster names from sbkube.yaml (``default`` when it has no clusters section)."""
    return [CompletionItem(n) for n in _names(ctx, "clusters") if n.startswith(incomplete)]


def complete_apps(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """App names from sbkube.yaml."""
    return [CompletionItem(n) for n in _names(ctx, "apps") if n.startswith(incomplete)]
