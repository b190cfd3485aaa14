"""Actor, commit, run and PR links of the current CI job, from GitHub's or GitLab's variables."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkube_ci.notify.events import AppChange, Commit, Event, EventKind, Failure

# How merge commits name their pull/merge request, for deploys that run on the push after it:
# GitHub squash "Title (#123)" and merge "Merge pull request #123 from ..."; GitLab's
# "See merge request group/project!123" trailer.
_GITHUB_MERGED = re.compile(r"^Merge pull request #(\d+) |\(#(\d+)\)\s*$", re.MULTILINE)
_GITLAB_MERGED = re.compile(r"^See merge request \S+!(\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class CIContext:
    """Who and what triggered this job, and where to read it; every field may be unknown."""

    actor: str | None = None
    commit: Commit | None = None
    pr_url: str | None = None
    run_url: str | None = None


def ci_context(environ: Mapping[str, str] | None = None) -> CIContext:
    """The CI context of this process: GitHub Actions, GitLab CI, or nothing known."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("GITLAB_CI") == "true":
        return _gitlab(env)
    return CIContext(actor=env.get("USER") or None)


def event_from_ci_env(
    kind: EventKind,
    *,
    clusters: Iterable[str],
    apps: Iterable[AppChange] = (),
    project: str = "",
    duration: float | None = None,
    failure: Failure | None = None,
    detail: str = "",
    environ: Mapping[str, str] | None = None,
) -> Event:
    """An ``Event`` whose actor, commit, PR and run links come from the CI variables."""
    ctx = ci_context(environ)
    return Event(
        kind=kind,
        clusters=tuple(clusters),
        apps=tuple(apps),
        project=project,
        actor=ctx.actor,
        commit=ctx.commit,
        pr_url=ctx.pr_url,
        run_url=ctx.run_url,
        duration=duration,
        failure=failure,
        detail=detail,
    )


def _github(env: Mapping[str, str]) -> CIContext:
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo = env.get("GITHUB_REPOSITORY", "")
    base = f"{server}/{repo}" if repo else None
    payload = _event_payload(env.get("GITHUB_EVENT_PATH"))
    pull = payload.get("pull_request") if isinstance(payload.get("pull_request"), dict) else None
    sha = (pull or {}).get("head", {}).get("sha") if pull else None
    sha = sha or env.get("GITHUB_SHA")
    commit = None
    if sha:
        head = payload.get("head_commit")
        message = str(head.get("message", "")) if isinstance(head, dict) else ""
        if not message and pull:
            message = str(pull.get("title", ""))
        commit = Commit(sha=sha, message=message, url=f"{base}/commit/{sha}" if base else None)
    pr_url = str(pull["html_url"]) if pull and pull.get("html_url") else None
    ref = env.get("GITHUB_REF", "")
    if pr_url is None and base and ref.startswith("refs/pull/"):
        pr_url = f"{base}/pull/{ref.split('/')[2]}"
    number = _merged_number(_GITHUB_MERGED, commit.title if commit else "")
    if pr_url is None and base and number:
        pr_url = f"{base}/pull/{number}"  # a deploy on push after the merge
    run_url = None
    if base and env.get("GITHUB_RUN_ID"):
        run_url = f"{base}/actions/runs/{env['GITHUB_RUN_ID']}"
        if env.get("GITHUB_RUN_ATTEMPT", "1") not in {"", "1"}:
            run_url += f"/attempts/{env['GITHUB_RUN_ATTEMPT']}"
    actor = env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR") or None
    return CIContext(actor=actor, commit=commit, pr_url=pr_url, run_url=run_url)


def _gitlab(env: Mapping[str, str]) -> CIContext:
    project = env.get("CI_PROJECT_URL", "").rstrip("/") or None
    sha = env.get("CI_COMMIT_SHA")
    commit = None
    if sha:
        message = env.get("CI_COMMIT_MESSAGE") or env.get("CI_COMMIT_TITLE") or ""
        commit = Commit(
            sha=sha, message=message, url=f"{project}/-/commit/{sha}" if project else None
        )
    iid = env.get("CI_MERGE_REQUEST_IID") or _merged_number(
        _GITLAB_MERGED, commit.message if commit else ""
    )
    pr_url = f"{project}/-/merge_requests/{iid}" if project and iid else None
    run_url = env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL") or None
    actor = env.get("GITLAB_USER_LOGIN") or env.get("GITLAB_USER_NAME") or None
    return CIContext(actor=actor, commit=commit, pr_url=pr_url, run_url=run_url)


def _merged_number(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), None) if match else None


def _event_payload(path: str | None) -> dict[str, Any]:
    """GitHub's webhook payload for this run; ``{}`` when absent or unreadable (never fatal)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
