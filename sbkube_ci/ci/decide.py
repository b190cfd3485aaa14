"""What a CI run does, decided from the event and the inputs alone (a pure function).

Pull/merge requests only ever plan (or run a read-only command): a PR pipeline must not
change a cluster, whatever ``command`` says. Other events run the requested command.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from sbkube_ci.ci.base import CIAdapter
from sbkube_ci.ci.inputs import Inputs
from sbkube_ci.progress import Progress
from sbkube_ci.workdir import RELATIVE

#: commands that change a cluster or its state; a PR pipeline plans instead
MUTATING = frozenset({"deploy", "rollback"})
# A closed PR has nothing left to review; other actions (labeled, ready_for_review, ...) only
# reach us when the workflow asks for them, so they plan.
_PR_ACTIONS_TO_SKIP = frozenset({"closed"})


@dataclass(frozen=True)
class Invocation:
    """One command to run, where, on which clusters, and what to publish.

    ``command`` is empty when there is nothing to do (``reason`` says why).
    """

    command: str
    reason: str
    chdir: Path = Path()
    config: Path | None = None
    clusters: tuple[str, ...] = ()
    plan_path: Path = RELATIVE.plan
    comment: bool = False
    junit_path: Path | None = None
    live: bool = False
    strict: bool = False
    pr_number: int | None = None
    app: str = ""
    to: str = ""
    commit: str = ""  # the commit under review (a PR's head), for the comment
    #: shows the long steps in the job log (the ci entrypoint sets a plain, grouped reporter)
    progress: Progress = field(default_factory=Progress, compare=False, repr=False)


def decide(adapter: CIAdapter, inputs: Inputs) -> Invocation:
    """The invocation for this adapter's event and these inputs."""
    event = adapter.event
    chdir = Path(inputs.working_directory)
    requested = Invocation(
        command=inputs.command,
        reason=f"{adapter.name} {event.name or 'run'}: {inputs.command} as requested",
        chdir=chdir,
        config=Path(inputs.config) if inputs.config else None,
        clusters=inputs.clusters,
        plan_path=chdir / inputs.plan_path,
        junit_path=chdir / inputs.junit_path if inputs.junit_path else None,
        live=inputs.live,
        strict=inputs.strict,
        app=inputs.app,
        to=inputs.to,
    )
    if event.kind != "pull_request":
        return requested
    if event.action in _PR_ACTIONS_TO_SKIP:
        return Invocation(command="", reason=f"pull request {event.action}: nothing to plan")
    command = "plan" if inputs.command in MUTATING else inputs.command
    reason = f"{adapter.name} {event.name} #{event.number}: {command}"
    if command != inputs.command:
        reason += f" (a {inputs.command} never runs from a pull/merge request)"
    return replace(
        requested,
        command=command,
        reason=reason,
        comment=inputs.comment and command == "plan" and event.number is not None,
        pr_number=event.number,
    )
