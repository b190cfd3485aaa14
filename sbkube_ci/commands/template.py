"""``sbkube-ci template``: render apps to ``.sbkube/rendered/<cluster>/<app>.yaml``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from sbkube_ci.ci.decide import Invocation
from sbkube_ci.ci.junit import AppOutcome
from sbkube_ci.ci.result import CommandResult
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.diff.credentials import build_masker
from sbkube_ci.progress import MaskedProgress, Progress
from sbkube_ci.render import RenderResult, render_project
from sbkube_ci.render.changes import changed_apps
from sbkube_ci.render.pipeline import select_apps


def template(
    chdir: Path,
    file: Path | None,
    output_format: str,
    *,
    clusters: tuple[str, ...] = (),
    apps: tuple[str, ...] = (),
    changed_since: str | None = None,
    keep_going: bool = False,
    max_workers: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Render the selected apps on the selected clusters; 1 when any app failed."""
    project = load_project(chdir, file)
    for warning in project.warnings:  # e.g. a repository taken from `helm repo add`
        click.echo(str(warning), err=True)
    names = selected_apps(project, apps, changed_since)
    if names is not None and not names:
        _print(output_format, RenderResult(), project, note=f"no app changed since {changed_since}")
        return 0
    result = render_project(
        project,
        clusters=list(clusters) or None,
        apps=names,
        keep_going=keep_going,
        max_workers=max_workers,
        progress=MaskedProgress(progress, build_masker(project).mask) if progress else None,
    )
    if progress is not None:
        progress.close()
    _print(output_format, result, project)
    return 0 if result.ok else 1


def selected_apps(
    project: Project, apps: tuple[str, ...], changed_since: str | None
) -> list[str] | None:
    """The apps named with ``--app`` and/or changed since a ref; None means every app."""
    if not apps and changed_since is None:
        return None
    names = set(apps) if apps else set(select_apps(project))
    if apps:
        select_apps(project, apps)  # unknown or disabled names are errors even when unchanged
    if changed_since is not None:
        enabled = set(project.config.enabled_apps())
        names &= changed_apps(project, changed_since) & enabled
    return sorted(names)


def _print(output_format: str, result: RenderResult, project: Project, note: str = "") -> None:
    if output_format == "json":
        click.echo(json.dumps(_document(result, project, note), indent=2))
        return
    base = project.base_dir
    for (cluster, app), rendered in sorted(result.apps.items()):
        how = "cached" if rendered.from_cache else "rendered"
        path = _relative(rendered.path, base)
        click.echo(f"{cluster}/{app}: {how} {rendered.render_digest[:19]} {path}")
    # A build failure fails the app on every cluster with the same message: print it once.
    for message in dict.fromkeys(failure.message for failure in result.errors):
        click.echo(f"error: {message}", err=True)
    cached = sum(r.from_cache for r in result.apps.values())
    summary = note or (
        f"{len(result.apps)} app render(s), {len(result.apps) - cached} rendered, "
        f"{cached} from cache, {len(result.errors)} failed"
    )
    click.echo(summary, err=bool(result.errors))


def _document(result: RenderResult, project: Project, note: str) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "note": note,
        "apps": [
            {
                "cluster": cluster,
                "app": app,
                "path": _relative(r.path, project.base_dir),
                "render_digest": r.render_digest,
                "input_digest": r.input_digest,
                "cached": r.from_cache,
            }
            for (cluster, app), r in sorted(result.apps.items())
        ],
        "errors": [
            {"cluster": f.cluster, "app": f.app, "message": f.message} for f in result.errors
        ],
    }


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def template_for_ci(invocation: Invocation) -> CommandResult:
    """``template`` from the ci entrypoint: render every app, one JUnit case per render."""
    project = load_project(invocation.chdir, invocation.config)
    masker = build_masker(project)
    result = render_project(
        project,
        clusters=list(invocation.clusters) or None,
        keep_going=True,
        progress=MaskedProgress(invocation.progress, masker.mask),
    )
    _print("text", result, project)
    outcomes = [
        AppOutcome(cluster, app, detail=f"{r.render_digest[:19]}")
        for (cluster, app), r in sorted(result.apps.items())
    ]
    outcomes += [
        AppOutcome(failure.cluster or "-", failure.app, error=masker.mask(failure.message))
        for failure in result.errors
    ]
    failed = len(result.errors)
    line = f"{len(result.apps)} app render(s), {failed} failed"
    return CommandResult(
        exit_code=0 if result.ok else 1,
        summary=line,
        markdown=f"**sbkube-ci template**: {line}",
        apps=outcomes,
    )
