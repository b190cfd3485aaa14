"""The CI job this process runs in, read once from GitHub's or GitLab's variables.

History (lock owners, actors), notifications and the CI adapters all name the job from this
one reader, so a Slack message and the state history never disagree on who ran it or where.
Outside CI only the local user is known. Imports nothing but the standard library: notify/
and state/ import this module.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Platform = Literal["github", "gitlab", "local"]

# How merge commits name their pull/merge request, for deploys that run on the push after it:
# GitHub squash "Title (#123)" and merge "Merge pull request #123 from ..."; GitLab's
# "See merge request group/project!123" trailer.
_GITHUB_MERGED = re.compile(r"^Merge pull request #(\d+) |\(#(\d+)\)\s*$", re.MULTILINE)
_GITLAB_MERGED = re.compile(r"^See merge request \S+!(\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Commit:
    """The commit a job runs for: a pull request's head, else the pushed one."""

    sha: str
    message: str = ""  # GitHub: the push's head commit message, else the pull request's title
    url: str | None = None

    @property
    def short_sha(self) -> str:
        return self.sha[:7]

    @property
    def title(self) -> str:
        """The first line of the message."""
        return self.message.strip().splitlines()[0] if self.message.strip() else ""


@dataclass(frozen=True)
class CIContext:
    """Who and what triggered this job, and where to read it; every field may be unknown."""

    platform: Platform = "local"
    actor: str | None = None
    run_id: str = ""  # "github run 123.2", "gitlab job 456"; "" outside CI
    run_url: str | None = None
    commit: Commit | None = None
    pr_url: str | None = None
    ref: str = ""
    repository: str = ""  # owner/name (GitHub) or the project path (GitLab)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        platform: Platform | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> CIContext:
        """The context of ``environ`` (default: this process's environment).

        ``platform`` reads it as that platform's (an adapter forced by ``SBKUBE_CI_PLATFORM``);
        ``payload`` is GitHub's event payload when the caller has read it already, else it is
        read here, an unreadable one as ``{}``.
        """
        env = os.environ if environ is None else environ
        platform = platform or detect_platform(env)
        if platform == "github":
            return _github(env, _event_payload(env) if payload is None else payload)
        if platform == "gitlab":
            return _gitlab(env)
        return cls(actor=env.get("USER") or None)


def detect_platform(env: Mapping[str, str]) -> Platform:
    """GitHub or GitLab from their marker variables or a run id, else local."""
    if env.get("GITHUB_ACTIONS") == "true" or env.get("GITHUB_RUN_ID"):
        return "github"
    if env.get("GITLAB_CI") == "true" or env.get("CI_JOB_ID"):
        return "gitlab"
    return "local"


def _github(env: Mapping[str, str], payload: Mapping[str, Any]) -> CIContext:
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo = env.get("GITHUB_REPOSITORY", "")
    base = f"{server}/{repo}" if repo else None
    pull = payload.get("pull_request") if isinstance(payload.get("pull_request"), dict) else None
    sha = ((pull or {}).get("head") or {}).get("sha") if pull else None
    sha = sha or env.get("GITHUB_SHA") or None
    commit = None
    if sha:
        head = payload.get("head_commit")
        message = str(head.get("message", "")) if isinstance(head, dict) else ""
        if not message and pull:
            message = str(pull.get("title", ""))
        commit = Commit(sha, message, f"{base}/commit/{sha}" if base else None)
    pr_url = str(pull["html_url"]) if pull and pull.get("html_url") else None
    ref = env.get("GITHUB_REF", "")
    if pr_url is None and base and ref.startswith("refs/pull/"):
        pr_url = f"{base}/pull/{ref.split('/')[2]}"
    number = _merged_number(_GITHUB_MERGED, commit.title if commit else "")
    if pr_url is None and base and number:
        pr_url = f"{base}/pull/{number}"  # a deploy on push after the merge
    run, attempt = env.get("GITHUB_RUN_ID", ""), env.get("GITHUB_RUN_ATTEMPT", "")
    run_id = ""
    if run:
        run_id = f"github run {run}.{attempt}" if attempt else f"github run {run}"
    return CIContext(
        platform="github",
        actor=env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR") or None,
        run_id=run_id,
        run_url=f"{base}/actions/runs/{run}" if base and run else None,
        commit=commit,
        pr_url=pr_url,
        ref=ref,
        repository=repo,
    )


def _gitlab(env: Mapping[str, str]) -> CIContext:
    project = env.get("CI_PROJECT_URL", "").rstrip("/") or None
    sha = env.get("CI_COMMIT_SHA")
    commit = None
    if sha:
        message = env.get("CI_COMMIT_MESSAGE") or env.get("CI_COMMIT_TITLE") or ""
        commit = Commit(sha, message, f"{project}/-/commit/{sha}" if project else None)
    iid = env.get("CI_MERGE_REQUEST_IID") or _merged_number(
        _GITLAB_MERGED, commit.message if commit else ""
    )
    job = env.get("CI_JOB_ID", "")
    return CIContext(
        platform="gitlab",
        actor=env.get("GITLAB_USER_LOGIN") or env.get("GITLAB_USER_NAME") or None,
        run_id=f"gitlab job {job}" if job else "",
        run_url=env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL") or None,
        commit=commit,
        pr_url=f"{project}/-/merge_requests/{iid}" if project and iid else None,
        ref=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or env.get("CI_COMMIT_REF_NAME", ""),
        repository=env.get("CI_PROJECT_PATH", ""),
    )


def _merged_number(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), None) if match else None


def _event_payload(env: Mapping[str, str]) -> dict[str, Any]:
    """GitHub's webhook payload for this run; ``{}`` when absent or unreadable (never fatal)."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
