"""What every CI platform adapter offers: the event, outputs, summary, annotations, one comment.

The callers (``plan``, ``deploy``, the ``ci`` entrypoint) hand over already-rendered markdown
and plain facts; an adapter only knows how its platform wants them delivered.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from sbkube_ci.errors import CIError

EventKind = Literal["pull_request", "push", "manual", "schedule", "other"]
CommentAction = Literal["created", "updated", "unchanged", "skipped", "degraded"]
Level = Literal["error", "warning", "notice"]


def no_changes_body(cluster: str) -> str:
    """What replaces a plan comment once the PR no longer changes ``cluster``."""
    return f"**sbkube-ci plan · `{cluster}`**: no changes."


@dataclass(frozen=True)
class CIEvent:
    """Why the pipeline runs, in platform-neutral terms."""

    kind: EventKind
    name: str  # the platform's own name: pull_request, merge_request_event, push, ...
    action: str = ""  # GitHub's pull_request action: opened, synchronize, reopened, closed
    number: int | None = None  # PR number (GitHub) or MR iid (GitLab)
    ref: str = ""
    sha: str = ""
    repository: str = ""  # owner/name (GitHub) or the project path (GitLab)
    fork: bool = False  # the PR/MR comes from another repository
    actor: str = ""


@dataclass(frozen=True)
class Annotation:
    """A message pinned to a file position in the platform's UI (config errors)."""

    message: str
    file: str = ""
    line: int | None = None
    column: int | None = None
    title: str = ""
    level: Level = "error"


@dataclass(frozen=True)
class CommentOutcome:
    """What happened to the plan comment of one cluster, and where it lives."""

    cluster: str
    action: CommentAction
    comment_id: int | None = None
    reason: str = ""


class CIAdapter(ABC):
    """One CI platform. Build with ``from_environ``; every method is safe to call outside PRs."""

    name: str = ""
    #: the largest comment body the platform accepts, in characters (marker included)
    comment_budget: int = 65_536
    #: the largest job summary the platform accepts, in bytes
    summary_budget: int = 1024 * 1024

    def __init__(self, environ: Mapping[str, str], *, stream: TextIO) -> None:
        self.environ = dict(environ)
        self.stream = stream

    @property
    @abstractmethod
    def event(self) -> CIEvent:
        """The event that started this run."""

    @abstractmethod
    def publish_comment(self, cluster: str, body: str, *, has_changes: bool) -> CommentOutcome:
        """Upsert the one plan comment of ``cluster`` on the current PR/MR.

        With changes, the comment is created or updated in place. Without changes, an existing
        comment is replaced by ``body`` (or ``no_changes_body``) and none is created. A token that
        may not write degrades to the job summary with a warning instead of failing.
        """

    @abstractmethod
    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        """Hand step outputs (has_changes, plan_path, summary) to later steps/jobs."""

    @abstractmethod
    def write_summary(self, markdown: str) -> None:
        """Append markdown to the job summary (or the log where the platform has none)."""

    @abstractmethod
    def annotate(self, annotation: Annotation) -> None:
        """Show a message pinned to a file position (or log it where unsupported)."""

    @abstractmethod
    def mask(self, value: str) -> None:
        """Keep ``value`` out of the job log from now on (where the platform can)."""

    def warn(self, message: str) -> None:
        """A warning that must be visible but must not fail the job."""
        self.annotate(Annotation(message, level="warning"))

    def log(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def _check_budget(self, cluster: str, full_body: str) -> None:
        if len(full_body) > self.comment_budget:
            raise CIError(
                f"{self.name}: plan comment for cluster {cluster!r} is {len(full_body)} characters,"
                f" over the {self.comment_budget} limit; lower diff.budgets so the body fits"
            )


def append_text(path: Path, text: str, *, what: str) -> None:
    """Append to a file the platform reads after the step (outputs, summary)."""
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise CIError(
            f"{what}={path}: cannot write ({exc.strerror}); the runner sets this file, "
            "do not override it"
        ) from exc
