"""GitHub Actions: the event file, ``$GITHUB_OUTPUT``, the step summary, workflow commands and
the one plan comment per cluster on the pull request (REST API at ``GITHUB_API_URL``, so
GitHub Enterprise Server works)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from sbkube_ci import __version__
from sbkube_ci.ci.base import Annotation, CIEvent, EventKind, append_text
from sbkube_ci.ci.comments import CommentingAdapter
from sbkube_ci.ci.context import CIContext
from sbkube_ci.ci.http import ForbiddenError, RestClient
from sbkube_ci.ci.workflow_commands import (
    annotation_command,
    mask_commands,
    output_entry,
)
from sbkube_ci.errors import CIError

#: who GITHUB_TOKEN (an Actions installation token, for which ``GET /user`` answers 403
#: "Resource not accessible by integration") writes comments as
ACTIONS_BOT = "github-actions[bot]"

_KINDS: dict[str, EventKind] = {
    "pull_request": "pull_request",
    "pull_request_target": "pull_request",
    "push": "push",
    "workflow_dispatch": "manual",
    "schedule": "schedule",
}


class GitHubAdapter(CommentingAdapter):
    """GitHub Actions (github.com and GitHub Enterprise Server)."""

    name = "github"
    comment_budget = 65_536
    summary_budget = 1024 * 1024

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        stream: TextIO,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(environ, stream=stream)
        self._event = parse_event(self.environ)
        self.token = (
            self.environ.get("INPUT_GITHUB-TOKEN")
            or self.environ.get("INPUT_GITHUB_TOKEN")
            or self.environ.get("GITHUB_TOKEN", "")
        )
        self.api = RestClient(
            base_url=self.environ.get("GITHUB_API_URL", "https://api.github.com"),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"sbkube-ci/{__version__}",
            },
            platform="GitHub",
            sleep=sleep,
            clock=clock,
        )
        self._login: str | None = None

    @property
    def event(self) -> CIEvent:
        return self._event

    # --- the plan comment -------------------------------------------------------------------

    def _missing_token(self) -> str:
        return "" if self.token else "no GitHub token (set the github-token input)"

    def _comments(self) -> Iterator[dict[str, Any]]:
        url: str | None = (
            f"/repos/{self.event.repository}/issues/{self.event.number}/comments?per_page=100"
        )
        while url:
            response = self.api.request("GET", url)
            yield from response.json()
            url = response.links.get("next", {}).get("url")

    def _is_own(self, comment: dict[str, Any]) -> bool:
        user = comment.get("user")
        return isinstance(user, dict) and user.get("login") == self._token_login()

    def _token_login(self) -> str:
        """The login comments of this token are written as: ``GET /user``, once."""
        if self._login is None:
            try:
                self._login = str(self.api.request("GET", "/user").json()["login"])
            except ForbiddenError:  # an installation token (GITHUB_TOKEN) has no user
                self._login = ACTIONS_BOT
        return self._login

    def _create(self, body: str) -> int:
        path = f"/repos/{self.event.repository}/issues/{self.event.number}/comments"
        response = self.api.request("POST", path, json={"body": body}, retry_server_errors=False)
        return int(response.json()["id"])

    def _update(self, comment_id: int, body: str) -> None:
        path = f"/repos/{self.event.repository}/issues/comments/{comment_id}"
        self.api.request("PATCH", path, json={"body": body})

    def _degraded_warning(self, reason: str) -> str:
        return (
            f"sbkube-ci could not comment on PR #{self.event.number} ({reason}); the plan is in "
            "the job summary. Fork PRs get a read-only token: this is expected there."
        )

    # --- outputs, summary, workflow commands -------------------------------------------------

    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        text = "".join(output_entry(k, v) for k, v in outputs.items())
        path = self.environ.get("GITHUB_OUTPUT")
        if path:
            append_text(Path(path), text, what="GITHUB_OUTPUT")
        else:
            self.log(text.rstrip("\n"))

    def write_summary(self, markdown: str) -> None:
        path = self.environ.get("GITHUB_STEP_SUMMARY")
        if not path:
            self.log(markdown)
            return
        target = Path(path)
        used = target.stat().st_size if target.exists() else 0
        if used + len(markdown.encode()) > self.summary_budget:
            markdown = (
                "_sbkube-ci: the summary is larger than GitHub's 1 MiB step summary allows; "
                "see the plan artifact._"
            )
        append_text(target, markdown.rstrip("\n") + "\n\n", what="GITHUB_STEP_SUMMARY")

    def annotate(self, annotation: Annotation) -> None:
        self.log(annotation_command(annotation))

    def mask(self, value: str) -> None:
        for line in mask_commands(value):
            self.log(line)


def parse_event(environ: Mapping[str, str]) -> CIEvent:
    """The run's event from ``GITHUB_EVENT_NAME`` and the payload at ``GITHUB_EVENT_PATH``."""
    name = environ.get("GITHUB_EVENT_NAME", "")
    payload = _payload(environ.get("GITHUB_EVENT_PATH", ""))
    job = CIContext.from_env(environ, platform="github", payload=payload)
    event = CIEvent(
        kind=_KINDS.get(name, "other"),
        name=name,
        repository=str(job.repository or _dig(payload, "repository", "full_name") or ""),
        sha=environ.get("GITHUB_SHA", ""),
        ref=job.ref,
        actor=job.actor or "",
    )
    if event.kind != "pull_request":
        return event
    pr = payload.get("pull_request") or {}
    head_repo = _dig(pr, "head", "repo", "full_name")
    base_repo = _dig(pr, "base", "repo", "full_name")
    number = payload.get("number", pr.get("number"))
    return replace(
        event,
        action=str(payload.get("action", "")),
        number=int(number) if number is not None else None,
        sha=str(_dig(pr, "head", "sha") or event.sha),
        fork=bool(head_repo and base_repo and head_repo != base_repo),
    )


def _payload(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CIError(f"GITHUB_EVENT_PATH={path}: cannot read the event payload: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
