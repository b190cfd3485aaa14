"""``sbkube-ci ci``: the container entrypoint of the GitHub Action and the GitLab template.

Reads the inputs (``INPUT_*``), decides from the event what to run (``ci.decide``), runs it
through ``COMMANDS`` and publishes the result: outputs, job summary, annotations, the PR/MR
comment per cluster and the JUnit report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sbkube_ci.ci.base import Annotation, CIAdapter
from sbkube_ci.ci.decide import Invocation, decide
from sbkube_ci.ci.failures import failure_annotations
from sbkube_ci.ci.inputs import read_inputs
from sbkube_ci.ci.junit import AppOutcome, write_junit
from sbkube_ci.ci.registry import detect
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.commands.deploy import deploy_for_ci
from sbkube_ci.commands.history import history_for_ci
from sbkube_ci.commands.plan import plan_for_ci, publish_plan_error
from sbkube_ci.commands.rollback import rollback_for_ci
from sbkube_ci.commands.status import status_for_ci
from sbkube_ci.commands.template import template_for_ci
from sbkube_ci.config.loader import check_document, read_document
from sbkube_ci.diff.credentials import secret_values
from sbkube_ci.errors import CIError, ConfigProblems, SbkubeError
from sbkube_ci.progress import PlainProgress, sections_for
from sbkube_ci.terminal import plural

CommandFunction = Callable[[Invocation], CommandResult]

_LOCATED = re.compile(r"^([^:\s]+):(\d+):(\d+): (.+)$")

#: GitHub/GitLab secrets the run must never print
_SECRET_VARIABLES = ("INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN", "GITHUB_TOKEN")


def validate_for_ci(invocation: Invocation) -> CommandResult:
    """``validate`` as the ci entrypoint runs it: problems become annotations and test cases."""
    doc, base_dir, _files = read_document(invocation.chdir, invocation.config)
    config, problems = check_document(doc, base_dir)
    annotations = [
        Annotation(
            f"{p.path}: {p.message}",
            file=p.location.file,
            line=p.location.line,
            column=p.location.column,
            title="sbkube.yaml",
            level=p.severity,
        )
        for p in problems
    ]
    errors = [p for p in problems if p.severity == "error"]
    raw_apps = doc.data.get("apps")
    apps: dict[str, object] = raw_apps if isinstance(raw_apps, dict) else {}
    outcomes = [
        AppOutcome(
            "config",
            str(name),
            error="\n".join(
                str(p)
                for p in errors
                if p.path == f"apps.{name}" or p.path.startswith(f"apps.{name}.")
            ),
        )
        for name in apps
    ]
    summary = (
        f"{len(errors)} error(s) in the configuration"
        if errors
        else f"ok: {plural(len(apps), 'app')}"
    )
    return CommandResult(
        exit_code=1 if errors or config is None else 0,
        summary=summary,
        markdown=f"**sbkube-ci validate**: {summary}",
        apps=outcomes,
        annotations=annotations,
    )


#: The commands the ci entrypoint runs: exactly ``ci.inputs.KNOWN_COMMANDS`` (a test checks).
COMMANDS: dict[str, CommandFunction] = {
    "validate": validate_for_ci,
    "template": template_for_ci,
    "plan": plan_for_ci,
    "deploy": deploy_for_ci,
    "rollback": rollback_for_ci,
    "status": status_for_ci,
    "history": history_for_ci,
}


def run_ci(
    environ: Mapping[str, str],
    *,
    commands: Mapping[str, CommandFunction] = COMMANDS,
    stream: TextIO | None = None,
) -> int:
    """Run one CI step: 0 with or without plan changes, 2 when ``status`` finds drift, 1 on
    errors."""
    adapter = detect(environ, stream=stream)
    for name in _SECRET_VARIABLES:
        if environ.get(name):
            adapter.mask(environ[name])
    invocation = decide(adapter, read_inputs(environ))
    invocation = replace(
        invocation,
        commit=adapter.event.sha,
        progress=PlainProgress(adapter.stream, sections=sections_for(environ)),
    )
    adapter.log(f"sbkube-ci: {invocation.reason}")
    if not invocation.command:
        adapter.write_outputs({"has_changes": "false", "plan_path": "", "summary": ""})
        return 0
    function = commands.get(invocation.command)
    if function is None:
        raise CIError(f"command {invocation.command} is not available in this version")
    # Masks first: the command logs as it goes, and the runner only hides what it was told
    # before the line was printed.
    announced = _announce_secrets(adapter, invocation, environ)
    try:
        result = function(invocation)
    except SbkubeError as exc:
        _annotate_error(adapter, exc)
        if invocation.command == "plan" and invocation.comment:
            publish_plan_error(adapter, invocation, exc)  # the old plan no longer describes HEAD
        raise
    publish(adapter, invocation, result, announced=announced)
    if result.exit_code == 2:
        # plan: changes are the point of a review, not a failure; status: drift must fail a
        # scheduled drift-check job, so its 2 reaches the platform
        return 2 if invocation.command == "status" else 0
    return 0 if result.exit_code == 0 else 1


def _announce_secrets(
    adapter: CIAdapter, invocation: Invocation, environ: Mapping[str, str]
) -> set[str]:
    """Mask every credential the configuration names before anything runs; returns them."""
    try:
        doc, _, _ = read_document(invocation.chdir, invocation.config)
    except SbkubeError:
        return set()  # the command itself reports the unreadable configuration
    secrets = secret_values(doc.data, environ)
    for secret in secrets:
        adapter.mask(secret)
    return set(secrets)


def publish(
    adapter: CIAdapter,
    invocation: Invocation,
    result: CommandResult,
    *,
    announced: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Masks first (those not announced yet), then annotations, comments, summary, JUnit
    report and outputs."""
    for secret in result.secrets:
        if secret not in announced:
            adapter.mask(secret)
    for annotation in result.annotations:
        adapter.annotate(annotation)
    if invocation.command != "validate":  # validate's problems are annotated on their lines
        for annotation in failure_annotations(result.apps, command=invocation.command):
            adapter.annotate(annotation)
    if invocation.comment:
        for plan in result.clusters:
            outcome = adapter.publish_comment(
                plan.cluster, plan.markdown, has_changes=plan.has_changes
            )
            adapter.log(f"sbkube-ci: comment for {plan.cluster}: {outcome.action}")
    if result.markdown:
        adapter.write_summary(result.markdown)
    if invocation.junit_path is not None:
        write_junit(invocation.junit_path, result.apps, suite=f"sbkube-ci {invocation.command}")
    plan_path = result.plan_path or (invocation.plan_path if invocation.command == "plan" else None)
    adapter.write_outputs(
        {
            "has_changes": "true" if result.has_changes else "false",
            "plan_path": _relative(plan_path) if plan_path else "",
            "summary": result.summary,
        }
    )


def _annotate_error(adapter: CIAdapter, exc: SbkubeError) -> None:
    lines = exc.problems if isinstance(exc, ConfigProblems) else [str(exc)]
    for line in lines:
        # config problems read FILE:LINE:COL: message; pin those to the file in the PR
        if match := _LOCATED.match(line):
            file, row, column, message = match.groups()
            adapter.annotate(
                Annotation(message, file=file, line=int(row), column=int(column), title="sbkube-ci")
            )
        else:
            adapter.annotate(Annotation(line, title="sbkube-ci"))


def _relative(path: Path) -> str:
    # Outputs feed actions/upload-artifact, which resolves paths from the workspace (cwd).
    return os.path.relpath(path) if path.is_absolute() else str(path)
