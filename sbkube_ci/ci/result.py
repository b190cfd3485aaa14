"""What a command hands back to the ci entrypoint for publishing: plain facts and markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sbkube_ci.ci.base import Annotation
from sbkube_ci.ci.junit import AppOutcome


@dataclass(frozen=True)
class ClusterPlan:
    """The review of one cluster: the comment body (rendered and budgeted by the caller)."""

    cluster: str
    markdown: str
    has_changes: bool


@dataclass
class CommandResult:
    """The outcome of one command run from CI.

    ``exit_code`` follows the CLI (0 ok, 1 error, 2 changes present); ``summary`` is one line
    for the step output; ``markdown`` goes to the job summary; ``secrets`` are masked first.
    """

    exit_code: int
    summary: str = ""
    markdown: str = ""
    clusters: list[ClusterPlan] = field(default_factory=list)
    apps: list[AppOutcome] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    plan_path: Path | None = None
    secrets: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return self.exit_code == 2 or any(c.has_changes for c in self.clusters)
