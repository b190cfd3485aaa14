"""What the state-reading verbs share: opening the project's state, picking a cluster."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.errors import ConfigError
from sbkube_ci.state import StateBackend, open_backend


def open_state(chdir: Path, file: Path | None) -> tuple[Project, StateBackend]:
    """The project and its state backend (shared by the state, lock and history commands)."""
    project = load_project(chdir, file)
    return project, open_backend(project)


def pick_cluster(project: Project, cluster: str | None) -> str:
    """``cluster`` if the config declares it; the only cluster when none is given."""
    known = sorted(project.config.effective_clusters())
    if cluster is None:
        if len(known) == 1:
            return known[0]
        raise ConfigError(f"--cluster: pick one of {', '.join(known)}")
    if cluster not in known:
        raise ConfigError(
            f"--cluster {cluster}: not a cluster of sbkube.yaml; known: {', '.join(known)}"
        )
    return cluster
